# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The package's executables: name -> (module:function, one-line help).

setup.py reads this file for its console_scripts; ``python -m shadowhound_llm`` dispatches
with it. No imports here, so setup.py can load it before dependencies are installed.
"""

EXECUTABLES = {
    'mission_agent': ('shadowhound_llm.nodes.mission_agent:main',
                      'mission agent node: mission text -> plan -> closed-loop cmd_vel'),
    'gpu_monitor': ('shadowhound_llm.nodes.gpu_monitor:main',
                    'GPU / LLM health node publishing /diagnostics'),
    'sim_robot': ('shadowhound_llm.nodes.sim_robot:main',
                  'kinematic GO2 stand-in: cmd_vel in, odom and a camera out'),
    'check_backend': ('shadowhound_llm.tools.check_backend:main',
                      'validate the LLM backend (for start scripts; no ROS needed)'),
    'plan': ('shadowhound_llm.tools.plan_cli:main',
             'print the validated JSON plan for one mission text (no robot)'),
    'benchmark': ('shadowhound_llm.tools.benchmark:main',
                  'model benchmark: speed, plan quality, degradation check'),
    'robot_test': ('shadowhound_llm.tools.robot_test:main',
                   'run the robot test plan against a live system and print a report'),
    'mission': ('shadowhound_llm.tools.mission_cli:main',
                'send one mission (structured request) and wait for its result'),
    'dashboard': ('shadowhound_llm.dashboard.node:main',
                  'live web dashboard: ROS node + HTTP server (default 127.0.0.1:8080)'),
    'up': ('shadowhound_llm.tools.up:main',
           'run what mission.launch.py runs (same NAME:=VALUE arguments), without launch_ros'),
    'demo': ('shadowhound_llm.tools.demo:main',
             'start sim_robot + mission_agent and run the robot test plan on them'),
}
