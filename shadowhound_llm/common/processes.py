# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Run the package's executables as processes (the demo, benchmarks and process tests)."""

from __future__ import annotations

from pathlib import Path
import signal
import subprocess
import sys
from typing import Any


def node_command(name: str, params: dict[str, Any] | None = None) -> list[str]:
    """`python -m shadowhound_llm NAME --ros-args -p key:=value ...`."""
    cmd = [sys.executable, '-m', 'shadowhound_llm', name]
    if params:
        cmd.append('--ros-args')
        for key, value in params.items():
            cmd += ['-p', f'{key}:={value}']
    return cmd


def start_node(name: str, params: dict[str, Any] | None = None, log: Path | None = None,
               env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start an executable with its output written to ``log`` (discarded without one)."""
    out = log.open('w', encoding='utf-8') if log is not None else subprocess.DEVNULL
    return subprocess.Popen(node_command(name, params), env=env, stdout=out,
                            stderr=subprocess.STDOUT)


def stop_node(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """Ctrl-C the process (nodes then send their last zero Twist); kill it if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
