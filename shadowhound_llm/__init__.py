# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""shadowhound_llm: plain-language missions for a Unitree GO2, planned by a local LLM."""

__version__ = '0.1.0'

PYDANTIC_FIX = (
    'Install the Python requirements into a virtual environment that also sees ROS:\n'
    '  python3 -m venv --system-site-packages ~/shadowhound-venv\n'
    '  ~/shadowhound-venv/bin/pip install -r requirements/robot.txt\n'
    '  . ~/shadowhound-venv/bin/activate\n'
    '  export PYTHONPATH="$(python -c \'import sysconfig; print(sysconfig.get_paths()'
    '["purelib"])\'):$PYTHONPATH"\n'
    '(docs/DEPLOYMENT.md, section 4).')


def pydantic_problem() -> str:
    """Why the pydantic this Python imports cannot run the package ('' when it can).

    Plans, requests and statuses are pydantic 2 models; the python3-pydantic of some
    distributions (Debian 12, possibly Ubuntu 24.04) is pydantic 1.
    """
    try:
        import pydantic
    except ImportError:
        return f'shadowhound_llm needs pydantic 2, and this Python has none.\n{PYDANTIC_FIX}'
    version = str(getattr(pydantic, 'VERSION', '') or getattr(pydantic, '__version__', '?'))
    if version.split('.')[0] == '2':
        return ''
    where = getattr(pydantic, '__file__', None) or 'an unknown place'
    return (f'shadowhound_llm needs pydantic 2, and this Python imports pydantic {version} '
            f'(from {where}).\n{PYDANTIC_FIX}')


_problem = pydantic_problem()
if _problem:  # a clear message and exit status 1, not a traceback from deep inside
    raise SystemExit(_problem)
