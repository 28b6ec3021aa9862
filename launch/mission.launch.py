# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Launch mission_agent, gpu_monitor, the aggregator, the dashboard (and sim_robot).

ros2 launch shadowhound_llm mission.launch.py [sim:=true] [namespace:=robot1]
    [model:=NAME] [ollama_host:=HOST] [backend:=ollama|openai|none] [fallback_backend:=...]
    [params_file:=PATH] [gpu_monitor_params_file:=PATH] [sim_params_file:=PATH]
    [gpu_monitor:=true] [aggregator:=auto] [dashboard:=true] [log_level:=info]
(`ros2 launch shadowhound_llm mission.launch.py -s` lists every argument.)

Every decision is shadowhound_llm.nodes.launch_setup's (tested there); this file only maps
its plan onto launch_ros actions. When mission_agent exits the whole launch ends, with a line
saying why; a failed agent ends it with exit status 1.
"""

import os
from pathlib import Path

from launch.actions import (
    DeclareLaunchArgument,
    EmitEvent,
    LogInfo,
    OpaqueFunction,
    RegisterEventHandler,
)
from launch.event_handlers import OnProcessExit
from launch.events import Shutdown
from launch.logging import get_logger
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

from launch import LaunchDescription
from shadowhound_llm.nodes import launch_setup

CONFIG_DIR = Path(__file__).resolve().parents[1] / 'config'


class MissionAgentExited(RuntimeError):
    """Raised when mission_agent fails: ros2 launch then ends everything with status 1."""


def _on_agent_exit(event, context):
    decision = launch_setup.agent_exit(event.returncode, context.is_shutdown)
    if decision.failed:  # ros2 launch prints the message once ("Caught exception ...: ...")
        raise MissionAgentExited(decision.message)
    actions = [LogInfo(msg=decision.message)]
    if decision.end_launch:
        actions.append(EmitEvent(event=Shutdown(reason=decision.message)))
    return actions


def _setup(context):
    args = {a.name: LaunchConfiguration(a.name).perform(context)
            for a in launch_setup.launch_arguments()}
    for line in launch_setup.unknown_argument_warnings(context.launch_configurations):
        get_logger('shadowhound_llm').warning(line)
    plan = launch_setup.plan_launch(args, CONFIG_DIR, os.environ)
    params_dir = launch_setup.params_directory()
    actions = [LogInfo(msg=line) for line in plan.notes]
    for node in plan.nodes:
        action = Node(package=node.package, executable=node.executable, name=node.name,
                      namespace=node.namespace, output='screen', emulate_tty=True,
                      parameters=[launch_setup.write_params_file(node, params_dir)],
                      ros_arguments=list(node.ros_arguments), additional_env=node.env)
        actions.append(action)
        if node.required:
            actions.append(RegisterEventHandler(OnProcessExit(target_action=action,
                                                              on_exit=_on_agent_exit)))
    return actions


def generate_launch_description():
    """Declare the arguments; the nodes are decided from their values at launch time."""
    return LaunchDescription(
        [DeclareLaunchArgument(a.name, default_value=a.default, description=a.description)
         for a in launch_setup.launch_arguments()]
        + [OpaqueFunction(function=_setup)])
