# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The request watchdog cuts a cancelled reply, and never a connection after its reply ended."""

from __future__ import annotations

import socket
import threading

from shadowhound_llm.backends.base import Deadline


class _Stream:
    def __init__(self, sock):
        self.sock = sock

    def get_extra_info(self, name):
        return self.sock if name == 'socket' else None


class _Response:
    """What Deadline.watch reads of an httpx response: its network stream's socket."""

    def __init__(self, sock):
        self.extensions = {'network_stream': _Stream(sock)}


class _HeldDeadline(Deadline):
    """A deadline whose watchdog can be held in the middle of its check."""

    def __init__(self):
        super().__init__(60.0, threading.Event())
        self.checking = threading.Event()
        self.go_on = threading.Event()

    @property
    def cancelled(self):
        if self.cancel.is_set():
            self.checking.set()
            self.go_on.wait(5.0)
        return self.cancel.is_set()


def test_a_cancel_cuts_the_reply_being_read():
    client, server = socket.socketpair()
    with client, server:
        deadline = Deadline(60.0, threading.Event())
        with deadline.watch(_Response(client)):
            deadline.cancel.set()
            client.settimeout(5.0)
            assert client.recv(1) == b''  # the blocked read wakes: the socket was shut down


def test_a_late_cut_never_hits_the_connection_after_its_reply_ended():
    # The connection goes back to the pool when the reply ends and may carry the next
    # request at once; a watchdog that decided to cut just before must leave it alone.
    client, server = socket.socketpair()
    with client, server:
        deadline = _HeldDeadline()
        before = set(threading.enumerate())
        with deadline.watch(_Response(client)):
            watchdog, = set(threading.enumerate()) - before
            deadline.cancel.set()
            assert deadline.checking.wait(5.0)  # the watchdog is deciding
        deadline.go_on.set()  # the reply ended meanwhile; now it goes on
        watchdog.join(5.0)
        server.sendall(b'x')
        client.settimeout(5.0)
        assert client.recv(1) == b'x', 'the connection was cut after its reply ended'
