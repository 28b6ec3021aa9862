# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The planning prompt: one static system prompt (cacheable prefix), the mission text last.

The prompt is built once, on first use, from the parameter defaults (cruise speeds and the
"slowly"/"fast" fractions): Ollama reuses its cached prefix only while the system prompt is
byte-identical, so it never changes with run-time parameters. The envelope, not the prompt,
enforces the operator's limits; the prompt asks the model to keep the numbers it was given.
``SYSTEM_RULES``, ``EXAMPLES`` and ``SYSTEM_PROMPT`` are module attributes built on first use.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from ..common.params import AgentConfig
from .actions import Drive, Goto, Look, Move, Photo, Plan, Rotate, Say

MAX_PLAN_TOKENS = 400  # a 20-action plan is ~300 tokens; this bounds a runaway reply
# The one retry of a reply cut at MAX_PLAN_TOKENS gets this budget (room for a reasoning
# model's thinking, which counts against the limit too).
RETRY_PLAN_TOKENS = 4 * MAX_PLAN_TOKENS

# The rules, with the speed words filled in from the parameter defaults by _build().
RULES = """\
You plan missions for a Unitree GO2 quadruped robot. Reply with one JSON object only:
{{"actions":[ACTION,...]}}
ACTION is one of ([...] marks an optional field: leave it out unless the mission asks for it):
{{"type":"move","distance_m":D[,"direction":"left"|"right"][,"speed_mps":V]}}
  walk straight D metres, + forward, - backward; "left"/"right" steps sideways (D > 0)
{{"type":"rotate","angle_deg":A[,"speed_dps":R]}}
  turn in place A degrees, + left (counter-clockwise), - right (clockwise)
{{"type":"drive","seconds":S[,"linear_mps":V][,"lateral_mps":L][,"angular_dps":R]}}
  hold velocities for S seconds: V + forward, L + left, R + left (deg/s)
{{"type":"goto","x":X,"y":Y[,"frame":"robot"][,"speed_mps":V]}}
  go to a point (metres) in the fixed odom frame; with "frame":"robot", a point relative to
  the robot now: x ahead, y left (to the right is -y)
{{"type":"wait","seconds":S}}        stand still
{{"type":"stop"}}                    stop and end the plan
{{"type":"photo"}}                   take a photo with the camera
{{"type":"return_home"[,"speed_mps":V]}}  go back to the starting pose
{{"type":"say","text":"..."}}        answer in words, no motion
{{"type":"look"[,"question":"..."]}}  look with the camera and answer the question (default:
  describe what is in front), no motion
Rules:
- Fewest actions. Metres and degrees: 100 cm = 1 m, 1 ft = 0.3048 m, 1 in = 0.0254 m,
1 rad = 57.3 deg, a quarter turn = 90. "turn left"/"turn right" with no angle = 90 degrees;
"turn around" = 180. A turn or circle with no side given is + (counter-clockwise).
- A speed only when the mission gives one: "slowly" = speed_mps {slow_mps:g} or speed_dps
{slow_dps:g}; "fast" = speed_mps {fast_mps:g} or speed_dps {fast_dps:g}; else the number asked for.
Never change a number to fit a limit: the robot checks its limits itself.
- "for N seconds" is a drive ({cruise:g} m/s unless a speed is given). A circle of radius R
at V m/s: linear_mps V, angular_dps 57.3*V/R (+ counter-clockwise), seconds 6.283*R/V.
- Coordinates are x/y; a point described from where the robot is ("ahead", "to your left")
is "frame":"robot".
- A mission these actions cannot do (approach or find an object, a named place without
coordinates, anything else) is one say that tells why; never make up a motion. A question
about what the robot sees (describe, is something there, read, count) is a look, after the
motion that points the camera; other questions and requests that need no motion are a say.
Examples:
"""

_R = 1.5  # the circle example's radius (m)


def _plan(*actions: object) -> str:
    return Plan(actions=list(actions)).to_json()


@functools.cache
def _build() -> dict[str, Any]:
    config = AgentConfig()
    cruise = config.cruise_linear_speed
    slow_mps, slow_dps = config.speed_word('slowly')
    fast_mps, fast_dps = config.speed_word('fast')
    rules = RULES.format(slow_mps=slow_mps, slow_dps=slow_dps, fast_mps=fast_mps,
                         fast_dps=fast_dps, cruise=cruise)
    # Few-shot examples: (mission text, plan JSON), each teaching a field once, in wording and
    # numbers no scored mission uses: a scored mission (or a near copy) in the prompt would
    # inflate every quality figure (test_prompt_examples_are_not_scored_missions).
    examples = [
        ('sidestep 47 inches toward your right-hand side',
         _plan(Move(distance_m=1.19, direction='right'))),
        ('pivot clockwise 1.3 radians, nice and slow',
         _plan(Rotate(angle_deg=-74.5, speed_dps=slow_dps))),
        ('loop once anticlockwise around a circle of radius 1.5 m',
         _plan(Drive(linear_mps=cruise, angular_dps=round(math.degrees(cruise / _R), 2),
                     seconds=round(2 * math.pi * _R / cruise, 2)))),
        ('crab-walk leftward, keep it up for 2.7 s',
         _plan(Drive(lateral_mps=cruise, seconds=2.7))),
        ('the spot 1.3 m in front of you and 40 cm to your right: go there at 0.2 m/s',
         _plan(Goto(x=1.3, y=-0.4, frame='robot', speed_mps=0.2))),
        ('hurry over to coordinates (-1.5, 2.25), then face right and take two pictures',
         _plan(Goto(x=-1.5, y=2.25, speed_mps=fast_mps), Rotate(angle_deg=-90), Photo(),
               Photo())),
        ('swing 30 degrees to starboard, then tell me whether the gate is shut',
         _plan(Rotate(angle_deg=-30), Look(question='Is the gate shut?'))),
        ('sniff out the nearest charging dock and park on it',
         _plan(Say(text='I cannot search for objects or places I have no coordinates for: '
                        'give me distances, angles or x/y coordinates.'))),
    ]
    prompt = rules + ''.join(f'Mission: {text}\n{plan}\n' for text, plan in examples)
    return {'SYSTEM_RULES': rules, 'EXAMPLES': examples, 'SYSTEM_PROMPT': prompt}


def __getattr__(name: str) -> Any:
    """SYSTEM_RULES, EXAMPLES (list of (mission text, plan JSON)) and SYSTEM_PROMPT."""
    if name in ('SYSTEM_RULES', 'EXAMPLES', 'SYSTEM_PROMPT'):
        return _build()[name]
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def planning_messages(mission_text: str) -> list[dict[str, str]]:
    """Chat messages for one mission: the static system prompt, then the mission."""
    return [{'role': 'system', 'content': _build()['SYSTEM_PROMPT']},
            {'role': 'user', 'content': f'Mission: {mission_text.strip()}'}]


def repair_messages(mission_text: str, bad_reply: str, error: str) -> list[dict[str, str]]:
    """Messages for the one repair attempt: the bad reply and what was wrong with it."""
    return planning_messages(mission_text) + [
        {'role': 'assistant', 'content': bad_reply[:2000]},
        {'role': 'user', 'content': f'That reply was rejected: {error}. Reply again with one '
                                    f'valid JSON object in the format above.'}]
