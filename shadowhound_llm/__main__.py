# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""``python -m shadowhound_llm NAME [args]``: run any of the package's executables."""

from __future__ import annotations

import importlib
import sys

from .executables import EXECUTABLES


def usage() -> str:
    """The --help text: every executable with its one-line description."""
    width = max(len(name) for name in EXECUTABLES)
    lines = ['usage: python -m shadowhound_llm NAME [args...]', '', 'executables:']
    lines += [f'  {name:<{width}}  {text}' for name, (_, text) in EXECUTABLES.items()]
    lines += ['', 'ROS nodes take --ros-args as usual, e.g. -p name:=value or --params-file F.']
    return '\n'.join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the named executable with the remaining arguments."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-h', '--help', 'help'):
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in EXECUTABLES:
        print(f'unknown executable {name!r}\n\n{usage()}', file=sys.stderr)
        return 2
    module_name, func_name = EXECUTABLES[name][0].split(':')
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith(module_name.rsplit('.', 1)[0]):
            print(f'{name}: not available yet in this version ({exc.name} is missing)',
                  file=sys.stderr)
            return 1
        raise
    sys.argv = [f'shadowhound_llm {name}'] + rest
    result = getattr(module, func_name)(rest)
    return int(result or 0)


if __name__ == '__main__':
    raise SystemExit(main())
