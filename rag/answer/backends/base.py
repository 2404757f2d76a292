"""The protocol every answer generator follows, the shared shape of its output, and what the two LLM backends share.

Both LLM backends budget the same prompt and stream the model's tokens; each says only how it streams. A stream that
stops because it reached `llm.max_tokens` is refused as incomplete by both, never taken as a whole answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from rag.answer.prompt import build_prompt
from rag.config import LLMSettings
from rag.errors import RagError
from rag.schema import Passage


@dataclass
class Generation:
    """A streamed answer: the passages the generator was shown, and its text as it arrives."""

    shown: list[Passage]
    tokens: Iterator[str]


class Generator(Protocol):
    name: str
    model: str

    def check(self) -> None:
        """Raise `RagError` saying why this generator can't answer now."""

    def generate(self, question: str, passages: list[Passage], history: list[tuple[str, str]] | None = None) -> Generation:
        """Start answering; errors while streaming surface as `RagError` from ``tokens``."""


class ChatGenerator:
    """An LLM that reads the passages through one chat prompt (`rag.answer.prompt`) and streams its answer."""

    name = ""
    model = ""

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings

    def check(self) -> None:
        raise NotImplementedError

    def before_generating(self) -> None:
        """What must hold before each answer (the library is installed); the server's check runs once, in `check`."""

    def generate(self, question: str, passages: list[Passage], history: list[tuple[str, str]] | None = None) -> Generation:
        self.before_generating()
        prompt = build_prompt(question, passages, self.settings.num_ctx, self.settings.max_tokens, history)
        return Generation(prompt.shown, self._stream(prompt.messages))

    def _stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        raise NotImplementedError

    def cut_at_max_tokens(self) -> RagError:
        return RagError(
            f"The model's answer was cut off at llm.max_tokens ({self.settings.max_tokens} tokens) before it was complete",
            "raise llm.max_tokens in config.toml, or ask a narrower question",
        )
