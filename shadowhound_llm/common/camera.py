# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""Camera frames as the photo and look actions see them: raw sensor_msgs/Image fields.

The photo action saves a frame as PNG; the look action sends it to a vision model as JPEG,
its longest side first brought down to the size the model is given (``encode_for_model``).
"""

from __future__ import annotations

from dataclasses import dataclass
import io
from pathlib import Path
import threading
from typing import Any

# sensor_msgs/Image encoding -> (Pillow raw mode, bytes per pixel, Pillow image mode)
_ENCODINGS = {
    'rgb8': ('RGB', 3, 'RGB'), 'bgr8': ('BGR', 3, 'RGB'), 'rgba8': ('RGBA', 4, 'RGBA'),
    'bgra8': ('BGRA', 4, 'RGBA'), 'mono8': ('L', 1, 'L'), '8uc1': ('L', 1, 'L'),
    '8uc3': ('BGR', 3, 'RGB'),
}


@dataclass(frozen=True)
class ImageFrame:
    """One camera image: the Image message's fields and when it was received (monotonic s)."""

    width: int
    height: int
    encoding: str
    step: int
    data: bytes
    received: float

    def to_image(self) -> Any:
        """The frame as a Pillow image; ValueError for an encoding or size it cannot be."""
        from PIL import Image  # imported on first use: keeps node start-up fast

        enc = self.encoding.lower()
        if enc not in _ENCODINGS:
            raise ValueError(f'unsupported image encoding {self.encoding!r} '
                             f'(supported: {", ".join(sorted(_ENCODINGS))})')
        raw_mode, bpp, mode = _ENCODINGS[enc]
        if self.step < self.width * bpp or len(self.data) < self.step * self.height:
            raise ValueError(f'image data too short for {self.width}x{self.height} {enc}')
        return Image.frombuffer(mode, (self.width, self.height), self.data, 'raw', raw_mode,
                                self.step, 1)

    def save_png(self, path: Path) -> None:
        """Write the frame as PNG; ValueError for an encoding that cannot be saved."""
        self.to_image().save(path, format='PNG')


@dataclass(frozen=True)
class EncodedImage:
    """A frame as sent to a vision model: the encoded bytes, their MIME type and size (px)."""

    data: bytes
    mime: str
    width: int
    height: int
    source_width: int
    source_height: int

    @property
    def downscaled(self) -> bool:
        """True when the frame was made smaller before encoding."""
        return (self.width, self.height) != (self.source_width, self.source_height)


def encode_for_model(frame: ImageFrame, max_side: int, quality: int = 85) -> EncodedImage:
    """The frame as JPEG, its longest side at most ``max_side`` px (aspect ratio kept).

    Downscaled before encoding: a vision model's image tokens (and its prompt time) grow
    with the pixels it is given. ValueError for a frame that cannot be decoded.
    """
    image = frame.to_image()
    if image.mode not in ('RGB', 'L'):
        image = image.convert('RGB')
    width, height = image.size
    longest = max(width, height)
    if longest > max_side:
        scale = max_side / longest
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        from PIL import Image

        image = image.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format='JPEG', quality=quality)
    return EncodedImage(buffer.getvalue(), 'image/jpeg', image.size[0], image.size[1],
                        width, height)


def square_frame(width: int, height: int, background: bytes, square: bytes, left: int,
                 side: int, received: float = 0.0) -> ImageFrame:
    """An rgb8 frame of one colour with a square of another, ``side`` px, vertically centred.

    ``background`` and ``square`` are 3-byte RGB colours; ``left`` is the square's first
    column. Test images: the sim's camera and the vision model's probe.
    """
    top = (height - side) // 2
    plain = background * width
    marked = background * left + square * side + background * (width - left - side)
    rows = [marked if top <= r < top + side else plain for r in range(height)]
    return ImageFrame(width, height, 'rgb8', width * 3, b''.join(rows), received)


class LatestFrame:
    """Thread-safe holder of the newest frame (the camera callback writes, the runner reads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: ImageFrame | None = None

    def put(self, frame: ImageFrame) -> None:
        """Replace the held frame."""
        with self._lock:
            self._frame = frame

    def latest(self) -> ImageFrame | None:
        """The newest frame, or None."""
        with self._lock:
            return self._frame
