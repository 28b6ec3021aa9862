# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""GuardedPublisher: a real rclpy publisher whose writes the DDS refuses now and then."""

from __future__ import annotations

import time

import pytest
from rclpy._rclpy_pybind11 import RCLError
from rclpy.node import Node
from std_msgs.msg import String

from shadowhound_llm.nodes.ros_common import GuardedPublisher

pytestmark = pytest.mark.ros
REFUSAL = ('Failed to publish: cannot publish data, at /project/src/rmw_publish.cpp:68, '
           'at /project/src/rcl/publisher.c:285')


class Lines:
    """Collects warnings as a logger would print them."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, text: str) -> None:
        self.warnings.append(text)


@pytest.fixture
def refusing(ros_context, monkeypatch):
    node = Node('guarded_publisher_test')
    pub = node.create_publisher(String, 'guarded', 10)
    state = {'refuse': True, 'sent': 0}
    real = pub.publish

    def publish(msg):
        if state['refuse']:
            raise RCLError(REFUSAL)
        state['sent'] += 1
        real(msg)
    monkeypatch.setattr(pub, 'publish', publish)
    yield pub, state
    node.destroy_node()


def test_refusals_are_returned_and_warned_about_at_most_once_a_period_with_a_count(refusing):
    pub, state = refusing
    lines = Lines()
    guarded = GuardedPublisher(pub, lines, report_every_s=0.3)
    for _ in range(5):
        assert guarded.publish(String(data='x'), 'it was dropped') == \
            'Failed to publish: cannot publish data'
    assert lines.warnings == ['/guarded: the DDS refused a message: Failed to publish: '
                              'cannot publish data; it was dropped']
    time.sleep(0.35)
    guarded.publish(String(data='x'), 'it was dropped')
    assert len(lines.warnings) == 2
    assert lines.warnings[1].endswith('it was dropped (5 refused since the last warning)')
    state['refuse'] = False
    assert guarded.publish(String(data='x')) is None and state['sent'] == 1


def test_publish_within_tries_again_then_names_the_topic(refusing):
    pub, state = refusing
    guarded = GuardedPublisher(pub, Lines())
    start = time.monotonic()
    with pytest.raises(ConnectionError, match=r'^/guarded: the DDS refused the message for '
                                              r'0\.2 s: Failed to publish: cannot publish data$'):
        guarded.publish_within(String(data='x'), within_s=0.2)
    assert time.monotonic() - start >= 0.2
    state['refuse'] = False
    guarded.publish_within(String(data='x'))
    assert state['sent'] == 1
