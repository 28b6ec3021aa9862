#!/usr/bin/env bash
# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
#
# Mutation testing of the safety path with mutmut, on demand (slow: minutes to an hour).
#
#   benchmarks/mutation.sh            # every mutant of the safety path
#   benchmarks/mutation.sh plan       # one area: plan | envelope | control | runner | agent
#
# The repository is copied to $MUTATION_DIR (default: a new temporary folder) and mutmut's
# configuration added to the copy's setup.cfg, so the working tree is never touched. The
# mutants mutmut makes of planning/actions.py, planning/envelope.py, motion/control.py (governor
# and controllers), the mission runner's exits and the agent's publish path (_govern, _emit,
# halt) are run against a fast selection of tests; benchmarks/mutation_report.py then prints
# the score and every survivor not listed, with its reason, in
# benchmarks/mutation_equivalents.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
WORK=${MUTATION_DIR:-$(mktemp -d /tmp/shadowhound-mutation.XXXXXX)}
AREA=${1:-all}

mkdir -p "$WORK"
tar -C "$ROOT" --exclude=.venv --exclude=.git --exclude=mutants --exclude='*.egg-info' \
    --exclude=__pycache__ -cf - . | tar -C "$WORK" -xf -
cat >> "$WORK/setup.cfg" <<'CFG'

[mutmut]
source_paths = shadowhound_llm
also_copy =
    docs
    config
only_mutate =
    shadowhound_llm/planning/actions.py
    shadowhound_llm/planning/envelope.py
    shadowhound_llm/motion/control.py
    shadowhound_llm/mission/runner.py
    shadowhound_llm/mission/agent.py
pytest_add_cli_args_test_selection =
    test/planning/test_envelope.py
    test/planning/test_envelope_limits.py
    test/motion/test_control.py
    test/mission/test_runner.py
    test/mission/test_agent_core.py
    test/mission/test_photo_limits.py
    test/mission/test_agent_regressions.py
    test/planning/test_actions.py
    test/planning/test_rule_planner.py
    test/planning/test_plans_doc.py
pytest_add_cli_args =
    -p no:cacheprovider
    -x
    -q
    -p no:randomly
    --timeout=60
CFG

# Which mutants: whole files for the vocabulary, the envelope and the controllers; the exits
# of the mission runner; the agent's publish path.
PLAN='shadowhound_llm.planning.actions.*'
ENVELOPE='shadowhound_llm.planning.envelope.*'
CONTROL='shadowhound_llm.motion.control.*'
RUNNER='shadowhound_llm.mission.runner.xǁMissionRunnerǁabort__mutmut_* shadowhound_llm.mission.runner.xǁMissionRunnerǁtick__mutmut_* shadowhound_llm.mission.runner.xǁMissionRunnerǁ_advance__mutmut_* shadowhound_llm.mission.runner.xǁ_Stepǁ_motion__mutmut_* shadowhound_llm.mission.runner.xǁ_Stepǁ_check_jump__mutmut_* shadowhound_llm.mission.runner.xǁ_Stepǁ_check_progress__mutmut_* shadowhound_llm.mission.runner.xǁ_Stepǁupdate__mutmut_*'
AGENT='shadowhound_llm.mission.agent.xǁAgentCoreǁ_govern__mutmut_* shadowhound_llm.mission.agent.xǁAgentCoreǁ_emit__mutmut_* shadowhound_llm.mission.agent.xǁAgentCoreǁhalt__mutmut_*'
case "$AREA" in
    plan) NAMES=$PLAN ;;
    envelope) NAMES=$ENVELOPE ;;
    control) NAMES=$CONTROL ;;
    runner) NAMES=$RUNNER ;;
    agent) NAMES=$AGENT ;;
    all) NAMES="$PLAN $ENVELOPE $CONTROL $RUNNER $AGENT" ;;
    *) echo "unknown area $AREA: plan | envelope | control | runner | agent | all" >&2; exit 2 ;;
esac

cd "$WORK"
# shellcheck disable=SC2086  # the names are globs for mutmut, not for the shell
set -f
# mutmut sometimes lingers after printing its results (a worker thread left by a test):
# once the summary is out, give it a few seconds and end it; the results are on disk.
"$PY" -m mutmut run --max-children "${MUTATION_JOBS:-2}" $NAMES > "$WORK/mutmut.log" 2>&1 &
MUTMUT=$!
set +f
while kill -0 "$MUTMUT" 2>/dev/null; do
    if grep -q 'mutations/second' "$WORK/mutmut.log" 2>/dev/null; then
        sleep 10
        kill "$MUTMUT" 2>/dev/null || true
        break
    fi
    sleep 5
done
wait "$MUTMUT" 2>/dev/null || true
"$PY" "$ROOT/benchmarks/mutation_report.py" "$WORK" "$AREA"
