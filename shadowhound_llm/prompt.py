# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The planning prompt: one static system prompt (cacheable prefix), the mission text last."""

from __future__ import annotations

MAX_PLAN_TOKENS = 400  # a 20-action plan is ~300 tokens; this bounds a runaway reply

SYSTEM_RULES = """\
You plan missions for a Unitree GO2 quadruped robot. Reply with one JSON object only:
{"actions":[ACTION,...]}
ACTION is one of:
{"type":"move","distance_m":D}     straight line, D metres, + forward, - backward
{"type":"rotate","angle_deg":A}    turn in place, A degrees, + left (counter-clockwise), - right
{"type":"goto","x":X,"y":Y}        drive to point (X,Y) in metres, odom frame (x ahead, y left)
{"type":"wait","seconds":S}        stand still
{"type":"stop"}                    stop and end the plan
{"type":"photo"}                   take a photo with the camera
{"type":"return_home"}             go back to the starting pose
{"type":"say","text":"..."}        answer in words, no motion
Rules: use as few actions as possible; convert units (100 cm = 1 m, a quarter turn = 90
degrees); never add speeds; for questions or requests that need no motion, use "say".
Examples:
"""

# Few-shot examples: (mission text, plan JSON). None of them may be (nearly) a corpus
# mission (test_prompt_examples_are_not_scored_missions): a scored mission in the prompt would
# inflate every quality figure.
EXAMPLES: list[tuple[str, str]] = [
    ('Move forward 1 meter', '{"actions":[{"type":"move","distance_m":1}]}'),
    ('walk a one-meter square to the left',
     '{"actions":[{"type":"move","distance_m":1},{"type":"rotate","angle_deg":90},'
     '{"type":"move","distance_m":1},{"type":"rotate","angle_deg":90},'
     '{"type":"move","distance_m":1},{"type":"rotate","angle_deg":90},'
     '{"type":"move","distance_m":1},{"type":"rotate","angle_deg":90}]}'),
    ('go to the point two meters ahead and one to the right, then take a picture',
     '{"actions":[{"type":"goto","x":2,"y":-1},{"type":"photo"}]}'),
    ('Describe what you are',
     '{"actions":[{"type":"say","text":"I am a Unitree GO2 quadruped robot that plans '
     'missions with a local language model."}]}'),
]

SYSTEM_PROMPT = SYSTEM_RULES + ''.join(f'Mission: {text}\n{plan}\n' for text, plan in EXAMPLES)


def planning_messages(mission_text: str) -> list[dict[str, str]]:
    """Chat messages for one mission: the static system prompt, then the mission."""
    return [{'role': 'system', 'content': SYSTEM_PROMPT},
            {'role': 'user', 'content': f'Mission: {mission_text.strip()}'}]


def repair_messages(mission_text: str, bad_reply: str, error: str) -> list[dict[str, str]]:
    """Messages for the one repair attempt: the bad reply and what was wrong with it."""
    return planning_messages(mission_text) + [
        {'role': 'assistant', 'content': bad_reply[:2000]},
        {'role': 'user', 'content': f'That reply was rejected: {error}. Reply again with one '
                                    f'valid JSON object in the format above.'}]
