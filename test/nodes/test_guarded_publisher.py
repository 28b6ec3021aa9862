# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""GuardedPublisher: a real rclpy publisher whose writes the DDS refuses now and then."""

from __future__ import annotations

import time

import pytest
from rclpy.node import Node
from ros_harness import Refusals
from std_msgs.msg import String

from shadowhound_llm.nodes.ros_common import GuardedPublisher

pytestmark = pytest.mark.ros


class Lines:
    """Collects warnings as a logger would print them."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, text: str) -> None:
        self.warnings.append(text)


@pytest.fixture
def refusing(ros_context, monkeypatch):
    """A real publisher the DDS refuses until ``end()``."""
    node = Node('guarded_publisher_test')
    pub = node.create_publisher(String, 'guarded', 10)
    yield pub, Refusals(monkeypatch, pub)
    node.destroy_node()


def test_refusals_are_returned_and_warned_about_at_most_once_a_period_with_a_count(refusing):
    pub, refusals = refusing
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
    refusals.end()
    assert guarded.publish(String(data='x')) is None and refusals.sent == 1


def test_publish_within_tries_again_then_names_the_topic(refusing):
    pub, refusals = refusing
    guarded = GuardedPublisher(pub, Lines())
    start = time.monotonic()
    with pytest.raises(ConnectionError, match=r'^/guarded: the DDS refused the message for '
                                              r'0\.2 s: Failed to publish: cannot publish data$'):
        guarded.publish_within(String(data='x'), within_s=0.2)
    assert time.monotonic() - start >= 0.2
    refusals.end()
    guarded.publish_within(String(data='x'))
    assert refusals.sent == 1
