#!/usr/bin/env bash
# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
#
# Install the real-model tier (requirements/llm.txt: llama.cpp's server + Gemma 3 270M) into
# a virtual environment, with llama-cpp-python built for any x86-64 host with AVX2 rather
# than for the CPU that happens to build it.
#
#   requirements/install-llm.sh [PYTHON]        (default: .venv/bin/python)
#
# Why: pip builds llama-cpp-python from source with -march=native, so the library uses
# whatever the build host's /proc/cpuinfo advertises. On a virtual machine that advertises
# AMX without granting the tile state, the server dies with a general protection fault on
# its first request; a wheel built on an AVX-512 host crashes on a host without it. pip
# caches that wheel by version, not by CPU, and hands it to the next host.
#
# What: build once with fixed instruction-set flags (LLAMA_CMAKE_FLAGS below), keep the
# wheel in a cache of our own keyed by those flags, the version, the Python tag and the
# architecture (never in pip's cache), and install only that wheel (pip may not build the
# package itself: --only-binary). An environment that holds a build with other flags is
# reinstalled. Override the flags with LLAMA_CMAKE_FLAGS, the cache with
# SHADOWHOUND_WHEEL_CACHE.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
PY="${1:-.venv/bin/python}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

requirement="$(grep -E '^llama-cpp-python' "$here/llm.txt")"
version="${requirement##*==}"
case "$(uname -m)" in
  x86_64 | amd64)
    default_flags="-DGGML_NATIVE=OFF -DGGML_CPU_ALL_VARIANTS=OFF -DGGML_SSE42=ON -DGGML_AVX=ON"
    default_flags+=" -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
    default_flags+=" -DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF"
    default_flags+=" -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF"
    default_flags+=" -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" ;;
  *)
    default_flags="-DGGML_NATIVE=OFF" ;;
esac
flags="${LLAMA_CMAKE_FLAGS:-$default_flags}"
pytag="$("$PY" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')"
key="$(printf '%s|%s|%s|%s' "$version" "$flags" "$pytag" "$(uname -m)" | sha256sum | cut -c1-16)"
cache_root="${SHADOWHOUND_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/shadowhound_llm/wheels}"
cache="$cache_root/llama-cpp-python-$version-$key"

wheel() { ls "$cache"/llama_cpp_python-"$version"-*.whl 2>/dev/null | head -n 1; }

if [ -z "$(wheel)" ]; then
  echo "llama-cpp-python $version: building a portable wheel (about 10 minutes on 2 cores)"
  echo "  CMAKE_ARGS=$flags"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  start=$(date +%s)
  CMAKE_ARGS="$flags" FORCE_CMAKE=1 "$PY" -m pip wheel --quiet --no-deps --no-cache-dir \
    --no-binary llama-cpp-python -w "$work" "llama-cpp-python==$version"
  mkdir -p "$cache"
  mv "$work"/llama_cpp_python-*.whl "$cache"/
  printf 'version=%s\nCMAKE_ARGS=%s\nbuilt_on=%s\nbuild_seconds=%s\n' "$version" "$flags" \
    "$(uname -srm)" "$(( $(date +%s) - start ))" >"$cache/BUILD-INFO"
  echo "  built in $(( $(date +%s) - start )) s: $(wheel)"
else
  echo "llama-cpp-python $version: portable wheel from $cache"
fi

# The environment remembers which build it holds; another build (pip's own, or other
# flags) is replaced.
marker="$("$PY" -c 'import sys; print(sys.prefix)')/.llama-cpp-python-build"
if [ "$(cat "$marker" 2>/dev/null)" != "$key" ]; then
  "$PY" -m pip install --quiet --force-reinstall --no-deps "$(wheel)"
fi
"$PY" -m pip install --quiet --only-binary llama-cpp-python --find-links "$cache" \
  -r "$here/llm.txt"
echo "$key" >"$marker"
echo "real-model tier installed (llama-cpp-python $version, build $key)"
