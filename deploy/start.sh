#!/usr/bin/env bash
# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
#
# shadowhound-start: check the LLM backend first, then launch the robot stack.
#
# Installed as /usr/local/bin/shadowhound-start and run by shadowhound@.service (see
# docs/DEPLOYMENT.md). It runs check_backend against the same server and model the launch
# will use, and only then replaces itself (exec) with the launch, so systemd supervises the
# launch directly and sees its exit status.
#
# Exit status: the launch's own once it starts; 1 when the LLM backend is not usable (unless
# SHADOWHOUND_ALLOW_NO_LLM=1, which starts with backend:=none: the rule planner only);
# 2 for bad settings (check_backend refused them).
#
# Settings, from the environment (the unit reads /etc/default/shadowhound):
#   SHADOWHOUND_SETUP        ':'-separated setup files to source first; unset: the ROS
#                            install and ~/ws/install/setup.bash, those that exist
#   OLLAMA_HOST              the Ollama server, in any OLLAMA_HOST form (127.0.0.1:11434)
#   SHADOWHOUND_MODEL        the model (phi4:14b)
#   SHADOWHOUND_BACKEND      ollama (default) | openai (an OpenAI-compatible server: vLLM,
#                            llama.cpp server) | none (no check, rule planner only)
#   SHADOWHOUND_OPENAI_BASE_URL  the OpenAI-compatible base URL (backend openai)
#   SHADOWHOUND_CHECK_ARGS   more check_backend arguments, e.g. "--strict --timeout 120"
#   SHADOWHOUND_ALLOW_NO_LLM 1: start with the rule planner when the backend is not usable
#   SHADOWHOUND_LAUNCH       the launch command (ros2 launch shadowhound_llm mission.launch.py)
#   SHADOWHOUND_LAUNCH_ARGS  more launch arguments, e.g. "namespace:=robot1 log_level:=info"
#   SHADOWHOUND_PYTHON       the Python that runs check_backend (python3)
set -euo pipefail

say() { echo "shadowhound-start: $*" >&2; }

setup_files="${SHADOWHOUND_SETUP-/opt/ros/${ROS_DISTRO:-jazzy}/setup.bash:${HOME:-/root}/ws/install/setup.bash}"
IFS=':' read -r -a setups <<< "${setup_files}"
for setup in "${setups[@]}"; do
    if [[ -n "${setup}" && -f "${setup}" ]]; then
        set +u  # ROS setup scripts read variables that may be unset
        # shellcheck disable=SC1090
        source "${setup}"
        set -u
        say "sourced ${setup}"
    fi
done

python="${SHADOWHOUND_PYTHON:-python3}"
host="${OLLAMA_HOST:-127.0.0.1:11434}"
model="${SHADOWHOUND_MODEL:-phi4:14b}"
backend="${SHADOWHOUND_BACKEND:-ollama}"
read -r -a launch_cmd <<< "${SHADOWHOUND_LAUNCH:-ros2 launch shadowhound_llm mission.launch.py}"
read -r -a launch_args <<< "${SHADOWHOUND_LAUNCH_ARGS:-}"
read -r -a check_args <<< "${SHADOWHOUND_CHECK_ARGS:-}"

case "${backend}" in
    ollama)
        server="${host}"
        check=(--backend ollama --host "${host}" --model "${model}")
        chosen=(backend:=ollama model:="${model}" ollama_host:="${host}") ;;
    openai)
        server="${SHADOWHOUND_OPENAI_BASE_URL:-}"
        if [[ -z "${server}" ]]; then
            say "SHADOWHOUND_BACKEND=openai needs SHADOWHOUND_OPENAI_BASE_URL (e.g." \
                "http://192.168.1.20:8000/v1) and SHADOWHOUND_MODEL"
            exit 2
        fi
        check=(--backend openai --host "${server}" --model "${model}")
        chosen=(backend:=openai openai_base_url:="${server}" openai_model:="${model}") ;;
    none)
        say "SHADOWHOUND_BACKEND=none: no LLM, rule planner only"
        exec "${launch_cmd[@]}" backend:=none "${launch_args[@]}" ;;
    *)
        say "SHADOWHOUND_BACKEND=${backend}: use ollama, openai or none"
        exit 2 ;;
esac

say "checking the LLM backend: ${backend} ${model} at ${server}"
status=0
"${python}" -m shadowhound_llm check_backend "${check[@]}" "${check_args[@]}" || status=$?

if [[ ${status} -eq 0 ]]; then
    say "backend usable; launching: ${launch_cmd[*]}"
    exec "${launch_cmd[@]}" "${chosen[@]}" "${launch_args[@]}"
fi
if [[ ${status} -eq 2 ]]; then
    say "check_backend refused the settings (exit 2): fix OLLAMA_HOST /" \
        "SHADOWHOUND_OPENAI_BASE_URL / SHADOWHOUND_MODEL / SHADOWHOUND_CHECK_ARGS in" \
        "/etc/default/shadowhound"
    exit 2
fi
if [[ "${SHADOWHOUND_ALLOW_NO_LLM:-0}" == "1" ]]; then
    say "LLM backend not usable at ${server} (check_backend exit ${status}); starting with" \
        "the rule planner only (SHADOWHOUND_ALLOW_NO_LLM=1)"
    exec "${launch_cmd[@]}" backend:=none "${launch_args[@]}"
fi
say "LLM backend not usable at ${server} (check_backend exit ${status}; its lines above say" \
    "why): not starting. Set SHADOWHOUND_ALLOW_NO_LLM=1 to start with the rule planner only."
exit 1
