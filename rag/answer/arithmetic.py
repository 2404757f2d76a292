"""Figures an answer computed rather than quoted: "12 years" between 1991 and 2003, "£70,000" more than last year.

A computed figure is in no passage, so a support check that wants every
number of a claim in its evidence rejects a right answer. It is accepted
when it is the difference or the sum of two figures the claim or the
question states (those operands must then be supported like any other
words), and the arithmetic is shown beside it so the reader can check it.
Hand-written: no library in the stack checks an answer's arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_QUANTITY = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(thousand|million|billion|trillion|bn|mn|k|m)\b)?", re.I)
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")


@dataclass(frozen=True)
class Figure:
    text: str  # as written: "£380,000", "1 billion"
    value: float
    start: int
    end: int
    year: bool  # a bare four-digit year: only differences of years make sense


@dataclass(frozen=True)
class Computation:
    result: Figure
    left: Figure
    right: Figure
    operator: str  # "−" or "+"

    def shown(self) -> str:
        return f"{self.left.text} {self.operator} {self.right.text} = {self.result.text}"


def figures(text: str) -> list[Figure]:
    found = []
    for m in _QUANTITY.finditer(text):
        digits, scale = m.group(1), (m.group(2) or "").lower()
        value = float(digits.replace(",", "")) * _SCALES.get(scale, 1.0)
        start = m.start() - (1 if m.start() > 0 and text[m.start() - 1] in "$€£¥" else 0)
        found.append(Figure(text[start : m.end()], value, start, m.end(), not scale and bool(_YEAR.match(digits))))
    return found


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1.0)


def computations(claim: str, question: str, passages_text: str) -> list[Computation]:
    """Each figure of ``claim`` that no passage states but that is the difference or sum of two figures the passages
    do state, written in the claim or the question (the operands the reader can check)."""
    stated = [f.value for f in figures(passages_text)]

    def in_passages(f: Figure) -> bool:
        return any(_close(f.value, v) for v in stated)

    claimed = figures(claim)
    operands = [f for f in claimed + figures(question) if in_passages(f) and f.value > 0]
    found = []
    for result in (f for f in claimed if not in_passages(f)):
        for i, a in enumerate(operands):
            b = next((b for b in operands[i + 1 :] if not _close(a.value, b.value) and a.year == b.year and _close(abs(a.value - b.value), result.value)), None)
            if b is not None:
                found.append(Computation(result, *sorted((a, b), key=lambda f: -f.value), "−"))
                break
            b = next((b for b in operands[i + 1 :] if not (a.year or b.year) and _close(a.value + b.value, result.value)), None)
            if b is not None:
                found.append(Computation(result, a, b, "+"))
                break
    return found


def without_results(claim: str, computed: list[Computation]) -> str:
    """The claim with its computed figures taken out: what is left must be supported by the passages."""
    for c in sorted(computed, key=lambda c: -c.result.start):
        claim = claim[: c.result.start] + claim[c.result.end :]
    return " ".join(claim.split())
