"""The protocol every answer generator follows, and the shared shape of its output."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

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
