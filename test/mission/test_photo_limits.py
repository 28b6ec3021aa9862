# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""What a plan may write: photos per mission (envelope) and disk use of photo_dir (executor).

Seen with the real Gemma 3 270M: "Turn a quarter to your left please" became twenty
``photo`` actions and twenty PNGs in one mission.
"""

from dataclasses import replace

import pytest

from shadowhound_llm.common.camera import ImageFrame
from shadowhound_llm.common.geometry import Pose2D
from shadowhound_llm.common.params import AgentConfig
from shadowhound_llm.mission.runner import MissionRunner, OdomSample
from shadowhound_llm.planning.actions import parse_plan
from shadowhound_llm.planning.envelope import check_plan, EnvelopeViolation, Limits

PHOTO = {'type': 'photo'}


def photos(n, *extra):
    return parse_plan({'actions': [PHOTO] * n + list(extra)})


def test_the_photo_limit_is_a_parameter_with_a_safe_default():
    config = AgentConfig()
    assert 1 <= config.max_photos_per_mission <= 10
    assert Limits.from_config(config).max_photos_per_mission == config.max_photos_per_mission
    assert 0 < config.max_photo_dir_mb


@pytest.mark.parametrize('limit', [0, 1, 5])
def test_just_under_passes_and_just_over_is_rejected_with_the_parameter(limit):
    limits = Limits(max_photos_per_mission=limit)
    check_plan(photos(limit, {'type': 'wait', 'seconds': 1}), limits)
    with pytest.raises(EnvelopeViolation) as info:
        check_plan(photos(limit + 1), limits)
    message = str(info.value)
    assert f'step {limit + 1} (photo)' in message and 'max_photos_per_mission' in message


def test_twenty_photos_for_a_quarter_turn_are_rejected():
    plan = photos(20)
    with pytest.raises(EnvelopeViolation) as info:
        check_plan(plan, Limits())
    assert 'more than 5 photo(s)' in str(info.value)


def test_photos_spread_between_motions_count_together():
    move = {'type': 'rotate', 'angle_deg': 10}
    plan = parse_plan({'actions': [PHOTO, move] * 6})
    with pytest.raises(EnvelopeViolation) as info:
        check_plan(plan, Limits())
    assert 'step 11 (photo)' in str(info.value)


class _Camera:
    def __init__(self):
        self.frame = ImageFrame(4, 2, 'bgr8', 12, bytes(range(24)), 100.0)

    def latest(self):
        return self.frame


def _run_photo(config):
    ex = MissionRunner(config, camera=_Camera())
    ex.start('m1', 'take a photo', parse_plan({'actions': [PHOTO]}).actions, 100.0)
    events = []
    for i in range(5):
        out = ex.tick(100.0 + 0.05 * i, OdomSample(Pose2D(), 0.0))
        events += out.events
        if any(e.terminal for e in out.events):
            return events[-1], out
    raise AssertionError('the photo mission did not end')


def test_a_full_photo_dir_fails_the_photo_with_the_parameter(tmp_path):
    (tmp_path / 'old.png').write_bytes(b'x' * 300_000)
    config = replace(AgentConfig(), photo_dir=str(tmp_path), max_photo_dir_mb=0.25)
    final, out = _run_photo(config)
    assert final.state == 'failed'
    assert 'max_photo_dir_mb' in final.message and '0.3 MB' in final.message
    assert out.cmd is not None and out.cmd.is_zero()
    assert sorted(p.name for p in tmp_path.iterdir()) == ['old.png'], 'nothing new written'


def test_a_photo_dir_under_the_limit_takes_the_photo(tmp_path):
    (tmp_path / 'old.png').write_bytes(b'x' * 100_000)
    config = replace(AgentConfig(), photo_dir=str(tmp_path), max_photo_dir_mb=0.25)
    final, _ = _run_photo(config)
    assert final.state == 'succeeded', final.message
    assert len(list(tmp_path.glob('photo_*.png'))) == 1


def test_a_missing_photo_dir_counts_as_empty(tmp_path):
    config = replace(AgentConfig(), photo_dir=str(tmp_path / 'new' / 'dir'),
                     max_photo_dir_mb=0.001)
    final, _ = _run_photo(config)
    assert final.state == 'succeeded', final.message


def test_a_photo_dir_holding_exactly_the_limit_is_full(tmp_path):
    (tmp_path / 'old.png').write_bytes(b'x' * 250_000)  # 0.25 MB (10^6 bytes each)
    config = replace(AgentConfig(), photo_dir=str(tmp_path), max_photo_dir_mb=0.25)
    final, out = _run_photo(config)
    assert final.state == 'failed' and 'max_photo_dir_mb' in final.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ['old.png'], 'nothing new written'


class _OddCamera(_Camera):
    def __init__(self):
        self.frame = ImageFrame(4, 2, 'yuv422_yuy2', 8, bytes(16), 100.0)


def test_a_frame_that_cannot_be_saved_fails_the_photo_naming_the_cause(tmp_path):
    ex = MissionRunner(replace(AgentConfig(), photo_dir=str(tmp_path)), camera=_OddCamera())
    ex.start('m1', 'take a photo', parse_plan({'actions': [PHOTO]}).actions, 100.0)
    out = ex.tick(100.0, OdomSample(Pose2D(), 0.0))
    final = out.events[-1]
    assert final.state == 'failed' and final.reason == 'photo_not_saved'
    assert f'could not save the photo to {tmp_path}' in final.message
    assert "unsupported image encoding 'yuv422_yuy2'" in final.message
    assert not list(tmp_path.glob('photo_*.png'))


def test_a_photo_dir_that_is_a_file_fails_the_photo_naming_it(tmp_path):
    taken = tmp_path / 'photos'
    taken.write_text('not a folder')
    final, out = _run_photo(replace(AgentConfig(), photo_dir=str(taken)))
    assert final.state == 'failed' and final.reason == 'photo_not_saved'
    assert final.message.startswith(f'step 1 (photo) failed: cannot read {taken}')
    assert out.cmd is not None and out.cmd.is_zero()
