"""No LLM: the reader's own decision is the answer (`rag.answer.outcome.reader_answer` words it), so this generator writes nothing.

It exists so that `extractive` is a backend like the others (named in config,
checked by `rag info`, reported in every Answer): the answer path asks a
model to read only when the backend is not this one.
"""

from __future__ import annotations

from rag.answer.backends.base import Generation
from rag.config import LLMSettings
from rag.schema import Passage


class ExtractiveGenerator:
    name = "extractive"
    model = "none"

    def __init__(self, settings: LLMSettings | None = None) -> None:
        """Built like every backend, from the [llm] settings, which it has no use for."""

    def check(self) -> None:
        return None

    def generate(self, question: str, passages: list[Passage], history: list[tuple[str, str]] | None = None) -> Generation:
        return Generation(passages, iter(()))
