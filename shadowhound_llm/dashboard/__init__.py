# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The live web dashboard: a ROS node and an HTTP server (Starlette + uvicorn) in one process.

``config`` holds its parameters, ``state`` the plain-Python view of the robot that the page
shows, ``server`` the HTTP side (auth, Server-Sent Events, static files) and ``node`` the ROS
skin that feeds the state from the package's public topics. The page itself is plain
HTML, CSS and JavaScript in ``static/`` (no build step, nothing loaded from the internet).
"""
