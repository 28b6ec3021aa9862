#!/usr/bin/env bash
# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
#
# Mutation testing with mutmut, on demand (slow: minutes per area, an hour for all).
#
#   benchmarks/mutation.sh            # every area in turn
#   benchmarks/mutation.sh envelope   # one area (several may be named)
#
# Areas, each with its own mutants and the narrowest tests that cover them:
#   plan      planning/actions.py (the actions' own methods too: see below)
#   envelope  planning/envelope.py
#   control   motion/control.py (speed limits, controllers, governor)
#   runner    the mission runner's exits and steps (mission/runner.py)
#   agent     the agent core: publish path, halt, cancel, preemption, planning jobs and
#             reconfigure (mission/agent.py)
#   verdicts  robot_test's judging (evaluation/robot_test_phases.py) and the benchmark's
#             verdicts (evaluation/bench_report.py, tools/benchmark.py)
#   quality   plan quality and its floors (evaluation/quality.py)
#   common    address parsing and the mission contract (common/hosts.py, common/contract.py)
#
# The repository is copied to $MUTATION_DIR (default: a new temporary folder per area) and
# mutmut's configuration added to the copy's setup.cfg, so the working tree is never
# touched. mutmut leaves decorated functions alone; the actions' methods carry ``@override``
# (for type checkers only), so the copy drops that decorator and they are mutated too.
# benchmarks/mutation_report.py then prints the score and every survivor not listed, with
# its reason, in benchmarks/mutation_equivalents.txt. mutmut makes no statement deletions:
# benchmarks/mutation_delete.py does, on the safety path.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
ALL='plan envelope control runner agent verdicts quality common'
AREAS=${*:-$ALL}

area_config() {  # FILES, TESTS and NAMES of one area
    case "$1" in
        plan)
            FILES='shadowhound_llm/planning/actions.py'
            TESTS='test/planning/test_actions.py test/planning/test_envelope.py test/planning/test_envelope_limits.py test/planning/test_action_consumers.py test/planning/test_plans_doc.py test/planning/test_rule_planner.py'
            NAMES='shadowhound_llm.planning.actions.*' ;;
        envelope)
            FILES='shadowhound_llm/planning/envelope.py'
            TESTS='test/planning/test_envelope.py test/planning/test_envelope_limits.py test/mission/test_photo_limits.py test/planning/test_actions.py test/mission/test_look.py'
            NAMES='shadowhound_llm.planning.envelope.*' ;;
        control)
            FILES='shadowhound_llm/motion/control.py'
            TESTS='test/motion/test_control.py test/planning/test_envelope.py test/mission/test_runner.py test/mission/test_agent_core.py'
            NAMES='shadowhound_llm.motion.control.*' ;;
        runner)
            FILES='shadowhound_llm/mission/runner.py'
            TESTS='test/mission/test_runner.py test/mission/test_photo_limits.py test/mission/test_agent_core.py test/mission/test_stop_go2.py test/mission/test_look.py'
            NAMES='shadowhound_llm.mission.runner.xǁMissionRunnerǁabort__mutmut_* shadowhound_llm.mission.runner.xǁMissionRunnerǁtick__mutmut_* shadowhound_llm.mission.runner.xǁMissionRunnerǁ_advance__mutmut_* shadowhound_llm.mission.runner.xǁMissionRunnerǁreconfigure__mutmut_* shadowhound_llm.mission.runner.xǁ_Stepǁ_motion__mutmut_* shadowhound_llm.mission.runner.xǁ_Stepǁ_check_jump__mutmut_* shadowhound_llm.mission.runner.xǁ_Stepǁ_check_progress__mutmut_* shadowhound_llm.mission.runner.xǁ_Stepǁupdate__mutmut_*' ;;
        agent)
            FILES='shadowhound_llm/mission/agent.py'
            TESTS='test/mission/test_agent_core.py test/mission/test_agent_regressions.py test/mission/test_agent_cancel_planning.py test/mission/test_stop_go2.py test/mission/test_look.py'
            NAMES='' ;
            for f in _govern _emit _command halt cancel _take_over _end_job reconfigure snapshot _on_planner_event; do
                NAMES="$NAMES shadowhound_llm.mission.agent.xǁAgentCoreǁ${f}__mutmut_*"
            done ;;
        verdicts)
            FILES='shadowhound_llm/evaluation/robot_test_phases.py shadowhound_llm/evaluation/bench_report.py shadowhound_llm/tools/benchmark.py'
            TESTS='test/evaluation/test_robot_test_runner.py test/tools/test_benchmark_tool.py'
            NAMES='shadowhound_llm.evaluation.robot_test_phases.xǁPhaseRunnerǁ_needs_llm__mutmut_* shadowhound_llm.evaluation.robot_test_phases.xǁPhaseRunnerǁ_judge_text__mutmut_* shadowhound_llm.evaluation.robot_test_phases.xǁPhaseRunnerǁphase3__mutmut_* shadowhound_llm.evaluation.robot_test_phases.xǁPhaseRunnerǁ_performance_checks__mutmut_* shadowhound_llm.evaluation.bench_report.x_floors_text__mutmut_* shadowhound_llm.tools.benchmark.x_verify__mutmut_* shadowhound_llm.tools.benchmark.x_main__mutmut_*' ;;
        quality)
            FILES='shadowhound_llm/evaluation/quality.py'
            TESTS='test/evaluation/test_quality.py'
            NAMES='shadowhound_llm.evaluation.quality.*' ;;
        common)
            FILES='shadowhound_llm/common/hosts.py shadowhound_llm/common/contract.py'
            TESTS='test/common/test_hosts.py test/common/test_mission_text.py test/mission/test_agent_core.py test/mission/test_mission_reasons.py'
            NAMES='shadowhound_llm.common.hosts.* shadowhound_llm.common.contract.*' ;;
        *) echo "unknown area $1: $ALL" >&2; exit 2 ;;
    esac
}

for AREA in $AREAS; do
area_config "$AREA"
WORK=${MUTATION_DIR:-$(mktemp -d /tmp/shadowhound-mutation.XXXXXX)}/$AREA
mkdir -p "$WORK"
tar -C "$ROOT" --exclude=.venv --exclude='.venv-*' --exclude=.git --exclude=mutants \
    --exclude='*.egg-info' --exclude=__pycache__ -cf - . | tar -C "$WORK" -xf -
# mutmut skips decorated functions: @override is for type checkers only, so drop it here
sed -i '/^ *@override$/d' "$WORK/shadowhound_llm/planning/actions.py"
{
    printf '\n[mutmut]\nsource_paths = shadowhound_llm\nalso_copy =\n    docs\n    config\n'
    printf 'only_mutate =\n'
    for f in $FILES; do printf '    %s\n' "$f"; done
    printf 'pytest_add_cli_args_test_selection =\n'
    for t in $TESTS; do printf '    %s\n' "$t"; done
    printf 'pytest_add_cli_args =\n    -p no:cacheprovider\n    -x\n    -q\n    -p no:randomly\n    -m\n    not ros\n    --timeout=60\n'
} >> "$WORK/setup.cfg"
echo "== $AREA: mutants of $FILES; tests $TESTS; in $WORK"
(
cd "$WORK"
# shellcheck disable=SC2086  # the names are globs for mutmut, not for the shell
set -f
# mutmut sometimes lingers after printing its results (a worker thread left by a test):
# once the summary is out, give it a few seconds and end it; the results are on disk.
nice -n "${MUTATION_NICE:-10}" "$PY" -m mutmut run --max-children "${MUTATION_JOBS:-2}" $NAMES \
    > "$WORK/mutmut.log" 2>&1 &
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
)
"$PY" "$ROOT/benchmarks/mutation_report.py" "$WORK" "$AREA" || STATUS=1
done
exit "${STATUS:-0}"
