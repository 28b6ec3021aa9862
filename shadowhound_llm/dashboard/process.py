# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Start the dashboard as a child process and learn its URL (for the demo and benchmarks)."""

from __future__ import annotations

from pathlib import Path
import re
import subprocess
import time
from typing import Any

from ..common.processes import start_node

_URL = re.compile(r'dashboard at (http://\S+/)')


def start_dashboard(log: Path, env: dict[str, str] | None = None, port: int = 8080,
                    timeout_s: float = 20.0, **params: Any
                    ) -> tuple[subprocess.Popen, str | None, str]:
    """Start ``dashboard`` with its output in ``log``; wait for it to serve.

    Returns (process, URL or None, a line for the operator). The process may have exited
    (a busy port, say); the line then says why, from the log.
    """
    proc = start_node('dashboard', {'port': port, **params}, log, env)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log.read_text(encoding='utf-8', errors='replace') if log.exists() else ''
        found = _URL.search(text)
        if found:
            return proc, found.group(1), f'dashboard at {found.group(1)}'
        if proc.poll() is not None:
            last = [line for line in text.splitlines() if line.strip()][-1:] or ['no output']
            return proc, None, f'dashboard did not start (exit {proc.returncode}): {last[0]}'
        time.sleep(0.05)
    return proc, None, f'dashboard did not report its address within {timeout_s:g} s; see {log}'
