"""`rag eval --backend oracle`: a perfect model, for measuring what the answer path loses of a model's answers.

It writes each gold question's reference answer as the model's text (an
unanswerable question's is "The articles don't say."), streamed word by word
through the same path as Ollama or llama.cpp: decide, read, verify, fall
back. Whatever the user then fails to see of it is a defect of the pipeline,
not of the model. Eval only: it knows the answers, so it is never a backend a
user can choose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rag.backends.base import Generation
from rag.cite import REFUSAL
from rag.evaluate.gold import GoldItem
from rag.evaluate.perturb import perturb
from rag.schema import Passage


def key(question: str) -> str:
    return " ".join(question.split())


def by_wording(gold: list[GoldItem]) -> dict[str, GoldItem]:
    """Each gold item under its question and its perturbed wording (the perturbation suite asks both): how a stand-in
    model that knows the gold finds the item it is asked."""
    return {key(q): item for item in gold for q in (item.question, perturb(item.question, item.id))}


def words(text: str) -> Iterator[str]:
    """The text streamed word by word, as a model streams tokens."""
    yield from re.findall(r"\S+\s*", text)


class OracleGenerator:
    name = "oracle"
    model = "reference answers"

    def __init__(self, gold: list[GoldItem]) -> None:
        self.items = by_wording(gold)

    def check(self) -> None:
        return None

    def generate(self, question: str, passages: list[Passage], history: list[tuple[str, str]] | None = None) -> Generation:
        item = self.items.get(key(question))
        return Generation(passages, words(item.answer or REFUSAL if item else REFUSAL))
