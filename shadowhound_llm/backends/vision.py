# Copyright 2026 ShadowHound contributors
# SPDX-License-Identifier: Apache-2.0
"""The vision model behind the look action: one camera frame and one question, one answer.

Two servers: Ollama's native ``/api/chat`` (the image base64-encoded in the user message's
``images``) and OpenAI-compatible servers (an ``image_url`` content part holding a
``data:`` URL). The chat itself (streaming, the wall-clock deadline, cancel, metrics) is the
planning clients'; this module builds the message, tells failures apart by their cause
(``VisionError.reason``) and validates the model at start-up: pulled, vision-capable (Ollama's
``/api/show`` capabilities), answers an image within ``vision_timeout_s``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
import threading
import time
from typing import Any, Callable

from ..common.camera import encode_for_model, EncodedImage, ImageFrame, square_frame
from ..common.contract import LLMMetrics, Reason
from ..common.hosts import parse_host, parse_url
from .base import BackendError
from .ollama import OllamaClient, pulled_check
from .openai_compat import OpenAICompatClient
from .validation import CheckResult, FAIL, OK, Runner, ValidationReport, WARN

__all__ = ['MAX_ANSWER_TOKENS', 'VisionAnswer', 'VisionClient', 'VisionError',
           'make_vision_client', 'probe_frame', 'validate_vision', 'vision_host']

# An answer an operator reads on the dashboard: a few sentences.
MAX_ANSWER_TOKENS = 200
SYSTEM_PROMPT = ('You are the camera of a quadruped robot. Answer the question about the '
                 'image in at most three short sentences, plainly, from what is visible.')
PROBE_QUESTION = 'What colour is the square in the middle of this image? One word.'
# Ollama's words when a model without a vision projector is sent an image.
_NOT_CAPABLE_WORDS = ('missing data required for image input', 'does not support image',
                      'does not support vision', 'image input is not supported',
                      'multimodal', 'mmproj')


class VisionError(BackendError):
    """A look that got no answer; ``reason`` codes why (a Reason of the contract)."""

    def __init__(self, message: str, reason: Reason, status_code: int | None = None) -> None:
        super().__init__(message, status_code)
        self.reason = reason


@dataclass(frozen=True)
class VisionAnswer:
    """The model's answer, the image it was given and the call's figures."""

    text: str
    image: EncodedImage
    metrics: LLMMetrics
    seconds: float

    def facts(self) -> dict[str, Any]:
        """What a status shows of the call: model, image size and bytes, tokens, seconds."""
        m = self.metrics
        return {'model': m.model, 'width': self.image.width, 'height': self.image.height,
                'bytes': len(self.image.data), 'prompt_tokens': m.prompt_eval_count,
                'seconds': round(self.seconds, 3)}


def vision_host(config: Any) -> str:
    """The vision server's URL: ``vision_host``, else the planning server of that kind."""
    if config.vision_backend == 'openai':
        return parse_url(config.vision_host or config.openai_base_url)
    return parse_host(config.vision_host or config.ollama_host)


class VisionClient:
    """One vision model on one server (``kind``: ollama or openai)."""

    def __init__(self, kind: str, host: str, model: str, timeout_s: float = 30.0,
                 max_side_px: int = 640, keep_alive: str | float = '-1',
                 num_ctx: int = 4096) -> None:
        if kind not in ('ollama', 'openai'):
            raise ValueError(f'unknown vision backend {kind!r}: use ollama or openai')
        self.kind, self.host, self.model = kind, host, model
        self.timeout_s, self.max_side_px = timeout_s, max_side_px
        self.chat: Any = (OllamaClient(host, model, timeout_s, keep_alive, num_ctx, 0.0)
                          if kind == 'ollama' else
                          OpenAICompatClient(host, model, timeout_s, 0.0))

    @property
    def name(self) -> str:
        """'ollama:gemma3:4b'."""
        return f'{self.kind}:{self.model}'

    def close(self) -> None:
        """Release the connection pool."""
        self.chat.close()

    # ---- what the server says the model can do --------------------------------------------
    def capabilities(self, timeout_s: float = 10.0) -> list[str] | None:
        """Ollama's ``/api/show`` capabilities (None: the server does not say, or openai)."""
        if self.kind != 'ollama':
            return None
        if self.chat.capabilities is None:
            self.chat.reasoning_setup(timeout_s)
        return self.chat.capabilities or None

    def _check_capable(self, timeout_s: float) -> None:
        try:
            caps = self.capabilities(timeout_s)
        except BackendError as exc:
            raise self._classify(exc) from None
        if caps is not None and 'vision' not in caps:
            raise VisionError(self.not_capable_message(caps), Reason.VISION_NOT_CAPABLE)

    def not_capable_message(self, caps: list[str] | None = None) -> str:
        """Why a model takes no images, and what to set instead."""
        said = f' (/api/show capabilities: {", ".join(caps)})' if caps else ''
        return (f'vision_model {self.model!r} cannot see images{said}. Set vision_model to a '
                f'vision model, e.g. gemma3:4b, qwen2.5vl:3b or llava (ollama pull it first)')

    # ---- asking ---------------------------------------------------------------------------
    def ask_frame(self, frame: ImageFrame, question: str,
                  cancel: threading.Event | None = None) -> VisionAnswer:
        """Downscale and encode the frame, then ask (see ``ask``)."""
        try:
            image = encode_for_model(frame, self.max_side_px)
        except (ValueError, OSError) as exc:
            raise VisionError(f'the camera frame cannot be encoded: {exc}',
                              Reason.VISION_FAILED) from None
        return self.ask(image, question, cancel)

    def ask(self, image: EncodedImage, question: str,
            cancel: threading.Event | None = None, timeout_s: float | None = None
            ) -> VisionAnswer:
        """The model's answer about ``image``; VisionError (with its reason) otherwise.

        The whole call (the capability look-up included) is bound by ``timeout_s``
        (vision_timeout_s); ``cancel`` cuts it at once.
        """
        budget = timeout_s or self.timeout_s
        start = time.monotonic()
        self._check_capable(min(10.0, budget))
        left = max(0.05, budget - (time.monotonic() - start))
        try:
            result = self.chat.chat(self._messages(image, question), stream=True,
                                    timeout_s=left, options={'num_predict': MAX_ANSWER_TOKENS},
                                    cancel=cancel)
        except BackendError as exc:
            raise self._classify(exc) from None
        text = result.text.strip()
        if not text:
            raise VisionError(f'{self.model} gave an empty answer', Reason.VISION_FAILED)
        return VisionAnswer(text, image, result.metrics, time.monotonic() - start)

    def _messages(self, image: EncodedImage, question: str) -> list[dict[str, Any]]:
        data = base64.b64encode(image.data).decode('ascii')
        if self.kind == 'ollama':
            user: dict[str, Any] = {'role': 'user', 'content': question, 'images': [data]}
        else:
            user = {'role': 'user', 'content': [
                {'type': 'text', 'text': question},
                {'type': 'image_url', 'image_url': {'url': f'data:{image.mime};base64,{data}'}}]}
        return [{'role': 'system', 'content': SYSTEM_PROMPT}, user]

    def _classify(self, exc: BackendError) -> VisionError:
        """A chat failure told apart: not a vision model, the image refused, or no answer."""
        text = str(exc)
        if isinstance(exc, VisionError):
            return exc
        if any(word in text.lower() for word in _NOT_CAPABLE_WORDS):
            return VisionError(f'{self.not_capable_message()}: the server said: {text}',
                               Reason.VISION_NOT_CAPABLE, exc.status_code)
        if exc.status_code is not None and exc.status_code != 404:
            return VisionError(f'the vision server refused the image ({self.name} at '
                               f'{self.host}): {text}', Reason.VISION_REFUSED, exc.status_code)
        text = text.replace('(llm_timeout_s)', '(vision_timeout_s)')
        return VisionError(f'no answer from the vision model {self.name} at {self.host}: '
                           f'{text}', Reason.VISION_FAILED, exc.status_code)


def make_vision_client(config: Any) -> VisionClient | None:
    """The vision client the parameters ask for (None: ``vision_model`` is empty)."""
    if not config.vision_model:
        return None
    return VisionClient(config.vision_backend, vision_host(config), config.vision_model,
                        config.vision_timeout_s, config.vision_max_side_px, config.keep_alive,
                        config.num_ctx)


def probe_frame(width: int = 160, height: int = 120) -> ImageFrame:
    """A test image for validation: a red square on a white background."""
    side = height // 2
    return square_frame(width, height, b'\xff\xff\xff', b'\xe0\x10\x10', (width - side) // 2,
                        side, time.monotonic())


def validate_vision(client: VisionClient,
                    on_check: Callable[[CheckResult], None] | None = None) -> ValidationReport:
    """The vision model: present on its server, vision-capable, answers an image in time."""
    runner = Runner(on_check)
    model = client.model

    def present() -> tuple[str, str]:
        if client.kind == 'ollama':
            return pulled_check(client.chat, model, 'vision_model')
        served = client.chat.models()
        if model in served or not served:
            return OK, f'vision model {model} is served'
        return FAIL, (f'vision_model {model!r} is not served by {client.host} (served: '
                      f'{", ".join(served[:10])})')

    def capable() -> tuple[str, str]:
        caps = client.capabilities()
        if caps is None:
            return OK, (f'{client.host} does not list capabilities: whether {model} sees '
                        f'images is known from the probe answer')
        if 'vision' not in caps:
            return FAIL, client.not_capable_message(caps)
        return OK, f'{model} is vision-capable (capabilities: {", ".join(caps)})'

    def answers() -> tuple[str, str]:
        frame = probe_frame()
        try:
            answer = client.ask_frame(frame, PROBE_QUESTION)
        except VisionError as exc:
            return FAIL, f'{exc} [{exc.reason.value}]'
        facts = answer.facts()
        tokens = (f', {facts["prompt_tokens"]} prompt tokens'
                  if facts['prompt_tokens'] is not None else '')
        message = (f'answered a {facts["width"]}x{facts["height"]} image in '
                   f'{answer.seconds:.1f} s{tokens}: {answer.text[:80]!r}')
        if answer.seconds > 0.8 * client.timeout_s:
            return WARN, f'{message}; close to vision_timeout_s {client.timeout_s:g} s'
        return OK, message

    runner.run('vision_model_present', present)
    runner.run('vision_capable', capable)
    runner.run('vision_answer', answers)
    return ValidationReport(f'vision:{client.kind}', client.host, model, runner.checks)
