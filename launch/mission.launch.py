# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Launch the mission agent (and optionally the GPU monitor and the simulated GO2).

ros2 launch shadowhound_llm mission.launch.py [model:=phi4:14b] [ollama_host:=URL]
    [sim:=false] [gpu_monitor:=true] [namespace:=] [params_file:=PATH]
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch.actions import DeclareLaunchArgument
from launch.conditions import IfCondition
from launch.substitutions import EnvironmentVariable, LaunchConfiguration
from launch_ros.actions import Node

from launch import LaunchDescription

PACKAGE = 'shadowhound_llm'
EXECUTABLES = ('mission_agent', 'gpu_monitor', 'sim_robot')
PARAM_FILES = ('mission_agent.yaml', 'sim_robot.yaml', 'gpu_monitor.yaml')


def generate_launch_description():
    """Describe the nodes; every argument maps onto a node parameter or condition."""
    config_dir = os.path.join(get_package_share_directory(PACKAGE), 'config')
    model = LaunchConfiguration('model')
    ollama_host = LaunchConfiguration('ollama_host')
    namespace = LaunchConfiguration('namespace')
    params_file = LaunchConfiguration('params_file')
    return LaunchDescription([
        DeclareLaunchArgument('model', default_value='phi4:14b',
                              description='Ollama model used for planning'),
        DeclareLaunchArgument('ollama_host',
                              default_value=EnvironmentVariable(
                                  'OLLAMA_HOST', default_value='http://localhost:11434'),
                              description='Ollama server URL'),
        DeclareLaunchArgument('sim', default_value='false',
                              description='true: also start sim_robot (no GO2 needed)'),
        DeclareLaunchArgument('gpu_monitor', default_value='true',
                              description='start gpu_monitor (GPU, LLM health on /diagnostics)'),
        DeclareLaunchArgument('namespace', default_value='',
                              description='namespace for every node and relative topic'),
        DeclareLaunchArgument('params_file',
                              default_value=os.path.join(config_dir, 'mission_agent.yaml'),
                              description='mission_agent parameters file'),
        Node(package=PACKAGE, executable='mission_agent', name='mission_agent',
             namespace=namespace, output='screen', emulate_tty=True,
             parameters=[params_file, {'model': model, 'ollama_host': ollama_host}]),
        Node(package=PACKAGE, executable='gpu_monitor', name='gpu_monitor',
             namespace=namespace, output='screen',
             parameters=[os.path.join(config_dir, 'gpu_monitor.yaml'),
                         {'ollama_host': ollama_host}],
             condition=IfCondition(LaunchConfiguration('gpu_monitor'))),
        Node(package=PACKAGE, executable='sim_robot', name='sim_robot',
             namespace=namespace, output='screen',
             parameters=[os.path.join(config_dir, 'sim_robot.yaml')],
             condition=IfCondition(LaunchConfiguration('sim'))),
    ])
