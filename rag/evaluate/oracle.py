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

from rag.answer.backends.base import Generation
from rag.answer.cite import REFUSAL
from rag.evaluate.gold import GoldItem
from rag.evaluate.perturb import perturb
from rag.schema import Passage


def key(question: str) -> str:
    return " ".join(question.split())


class StandIn:
    """A stand-in model that knows the gold: it finds the item it is asked (under the question or its perturbed
    wording: the perturbation suite asks both) and streams the text `answer` writes for it, word by word, as a model
    streams tokens; a question it does not know gets "The articles don't say."."""

    name = "stand-in"
    model = ""

    def __init__(self, gold: list[GoldItem]) -> None:
        self.items = {key(q): item for item in gold for q in (item.question, perturb(item.question, item.id))}

    def check(self) -> None:
        return None

    def answer(self, item: GoldItem, passages: list[Passage]) -> str:
        raise NotImplementedError

    def generate(self, question: str, passages: list[Passage], history: list[tuple[str, str]] | None = None) -> Generation:
        item = self.items.get(key(question))
        text = self.answer(item, passages) if item else REFUSAL
        return Generation(passages, iter(re.findall(r"\S+\s*", text)))


class OracleGenerator(StandIn):
    name = "oracle"
    model = "reference answers"

    def answer(self, item: GoldItem, passages: list[Passage]) -> str:
        return item.answer or REFUSAL
