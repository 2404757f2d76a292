"""What kind of answer a question wants (a number, a date, a name), and whether a sentence has one.

The extractive backend uses it to prefer, among sentences that match the
question about equally well, the one that holds the asked-for thing: for
"How much did it cost?" the sentence with the figure, not the one that only
repeats the question's words. Hand-written: a classic question-typing rule
set; the stack has no question classifier.
"""

from __future__ import annotations

import re

from rag.ingest.dates import MONTH_WORDS, WEEKDAY_WORDS

_NUMBER_Q = re.compile(
    r"\bhow (?:many|much|long|far|big|large|old|often)\b"
    r"|\b(?:what|which)\b[^?]{0,30}?\b(?:percentage|share|number|amount|size|volume|value|cost|price|total|figure|rate|population)\b",
    re.I,
)
_DATE_Q = re.compile(r"^\W*when\b|\b(?:what|which) (?:year|date|day|month|time)\b|\bsince when\b", re.I)
_PERSON_Q = re.compile(r"^\W*who(?:m|se|'s)?\b", re.I)

_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|half)\b", re.I
)
_DATE = re.compile(rf"\b(?:1[89]\d\d|20\d\d|{MONTH_WORDS}|{WEEKDAY_WORDS}|today|yesterday|tomorrow|ago)\b", re.I)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b")


def answer_type(question: str) -> str:
    """'number', 'date', 'person' or '' (anything)."""
    if _DATE_Q.search(question):
        return "date"
    if _NUMBER_Q.search(question):
        return "number"
    if _PERSON_Q.search(question):
        return "person"
    return ""


def has_answer_type(sentence: str, kind: str) -> bool:
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "date":
        return bool(_DATE.search(sentence))
    if kind == "person":
        return bool(_NAME.search(sentence))
    return True
