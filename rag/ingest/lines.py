"""What each line at the top of a page is — headline, subhead, byline, date stamp, section label, weather,
navigation, masthead or body — from interpretable features, by a fitted multinomial logistic model.

A page top is split into pieces where a line joins parts behind a separator
(" | ", " · ", a spaced dash, a run of spaces), so a date stamp sharing the
headline's line is a piece of its own. Each piece is described by its length,
case, position, punctuation, digits and units, and how many of its words the
body repeats (a headline's words recur below it; a menu's, a weather line's and
a masthead's do not). The weights are fitted on generated page tops
(`python -m rag.evaluate.fit_lines`, `rag/evaluate/page_tops.py`) and kept in
`line_model.json`; reading one page is a few dot products in numpy.
Hand-written: no library in the stack classifies the lines of a plain-text page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.fitted import read_fitted, same_features
from rag.text.dates import DATE_PATTERN
from rag.text.lexical import STOPWORDS as STOP_WORDS

MODEL_PATH = Path(__file__).with_name("line_model.json")
REFIT = "rag.evaluate.fit_lines"
TOP_LINES = 15  # the top of a page: at most this many non-blank lines, up to the first body paragraph
BODY_WORDS = 30
_SPLIT = re.compile(r"\s+\|\s+|\s+::\s+|\s*\|\s*(?=\S)|\s+[·•]\s+|\s+[—–]\s+(?![a-z])|\s{2,}|\t")
_WORD = re.compile(r"[A-Za-z][\w'’.-]*")
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
# a temperature however it is typed ("19°C", "19 °C", "19oC", "19 deg C", "19C", "66F"), a share, a rainfall, a wind
TEMPERATURE = r"-?\b\d+\s*(?:°|o|deg(?:rees?)?\.?)?\s*[CF]\b"
_UNITS = re.compile(rf"°|{TEMPERATURE}|\b\d+\s*(?:%|mm|km/h|mph)")
_STAMP_WORDS = r"(?:published|updated|posted|last updated|date)"  # what a date stamp says before its date
# a date stamp at the start of a line that goes on with other words (" date 2025-11-13 Rail route opens to freight")
_ZONE = r"(?:GMT|UTC|BST|CET|CEST|EST|EDT|PST|PDT|IST|AEST)"
_CLOCK = rf"\d{{1,2}}[:.]\d{{2}}(?:\s*[ap]\.?m\.?)?(?:\s+{_ZONE})?"
_LEADING_STAMP = re.compile(
    rf"^\s*(?:{_STAMP_WORDS}\b\s*:?\s*)?(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?(?:{_CLOCK},?\s+)?"
    rf"(?:{DATE_PATTERN.pattern})(?:,?\s+{_CLOCK})?(?=\s+[A-Z0-9\"“‘'])",
    re.IGNORECASE,
)
_WEATHER = re.compile(r"\b(?:sunny|cloudy|rain|showers|fog|storm|humid)\b", re.IGNORECASE)
# "By …", or a role as a byline writes it, capitalised ("Staff Writer"); "… for night-shift staff" is a headline's
_ROLES = "Reporter|Correspondent|Staff|Editor|Writer|Contributor"
_BYLINE = re.compile(rf"^(?i:by|written by|reporting by|words by)\s|\b(?:{_ROLES}|{_ROLES.upper()})\b")
_STAMP = re.compile(rf"^{_STAMP_WORDS}\b", re.IGNORECASE)
_WEEKDAY = re.compile(r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.IGNORECASE)


@dataclass(frozen=True)
class Piece:
    """One part of a top-of-page line."""

    text: str
    line: int  # index among the top's non-blank lines
    index: int  # index among its line's pieces
    pieces: int  # how many pieces its line has


Read = list[tuple[Piece, dict[str, float]]]  # a page's top as `classify` reads it: each piece and its class probabilities


def pieces(line: str, line_index: int) -> list[Piece]:
    """The line's parts; a body-length line is one paragraph, never split at its dashes."""
    if len(line.split()) >= BODY_WORDS:
        return [Piece(line.strip(), line_index, 0, 1)]
    stamp = _LEADING_STAMP.match(line)
    rest = line[stamp.end() :] if stamp else ""
    if stamp and len(rest.split()) >= 3:  # the stamp a piece of its own, the rest read on its own
        after = pieces(rest, line_index)
        return [Piece(stamp.group(0).strip(), line_index, 0, 1 + len(after)), *(Piece(p.text, line_index, 1 + p.index, 1 + len(after)) for p in after)]
    parts = [p.strip() for p in _SPLIT.split(line.strip()) if p and p.strip()]
    return [Piece(part, line_index, i, len(parts)) for i, part in enumerate(parts)]


def top_lines(text: str) -> tuple[list[str], str]:
    """(the page's top lines, the body text after them); the top ends with the first body paragraph, included."""
    lines = [line for line in text.splitlines() if line.strip()]
    top: list[str] = []
    for line in lines[:TOP_LINES]:
        top.append(line)
        if len(line.split()) >= BODY_WORDS:
            break
    return top, "\n".join(lines[len(top) - 1 :])


def _content_words(text: str) -> set[str]:
    return {w.lower().strip(".'’") for w in _WORD.findall(text) if len(w) > 3 and w.lower() not in STOP_WORDS}


FEATURES = (
    "log_words", "title_case", "all_caps", "ends_period", "ends_question", "has_colon", "stop_share", "has_date", "date_share",
    "has_time", "has_units", "weather_word", "digit_share", "byline_cue", "stamp_cue", "weekday", "starts_the", "name_shape",
    "line_pos", "first_line", "shared_line", "piece_pos", "body_overlap", "short", "long", "has_comma", "has_quote",
    "caps_words", "has_slash",
)  # fmt: skip


def features(piece: Piece, body_words: set[str]) -> list[float]:
    text, words = piece.text, piece.text.split()
    n, alpha, letters = max(len(words), 1), [w for w in words if w[:1].isalpha()], [c for c in text if c.isalpha()]
    capitals, stops = sum(w[:1].isupper() for w in alpha), sum(w.lower() in STOP_WORDS for w in words)
    date, content = DATE_PATTERN.search(text), _content_words(text)
    return [
        math.log1p(len(words)),
        capitals / max(len(alpha), 1),
        float(len(letters) >= 2 and all(c.isupper() for c in letters)),
        float(text.endswith(".")),
        float(text.endswith(("?", "!"))),
        float(":" in text),
        stops / n,
        float(date is not None),
        (date.end() - date.start()) / len(text) if date else 0.0,
        float(bool(_TIME.search(text))),
        float(bool(_UNITS.search(text))),
        float(bool(_WEATHER.search(text))),
        sum(c.isdigit() for c in text) / len(text),
        float(bool(_BYLINE.search(text))),
        float(bool(_STAMP.match(text))),
        float(bool(_WEEKDAY.search(text))),
        float(text[:4].lower() == "the "),
        float(2 <= len(alpha) <= 4 and capitals == len(alpha) and stops == 0 and not date),
        min(piece.line, 10) / 10,
        float(piece.line == 0),
        float(piece.pieces > 1),
        piece.index / max(piece.pieces - 1, 1),
        len(content & body_words) / len(content) if content else 0.0,
        float(len(words) <= 3),
        float(len(words) >= BODY_WORDS),
        float("," in text),
        float(bool(re.search(r"[\"“”‘’']", text))),
        sum(len(w) > 1 and w.isupper() for w in alpha) / max(len(alpha), 1),
        float(bool(re.search(r"\w\s*/\s*\w", text))),
    ]


class LineModel:
    """The fitted weights: standardise, then softmax over the classes."""

    def __init__(self, data: dict) -> None:
        self.data = data  # as fitted and written: classes, features, mean, scale, coef, intercept
        self.classes = tuple(data["classes"])
        self.mean, self.scale = np.array(data["mean"]), np.array(data["scale"])
        self.coef, self.intercept = np.array(data["coef"]), np.array(data["intercept"])
        same_features(data, FEATURES, MODEL_PATH, REFIT)

    def probabilities(self, rows: list[list[float]]) -> np.ndarray:
        z = ((np.array(rows) - self.mean) / self.scale) @ self.coef.T + self.intercept
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


@lru_cache(maxsize=1)
def line_model() -> LineModel:
    return LineModel(read_fitted(MODEL_PATH, REFIT))


def top_pieces(text: str) -> tuple[list[Piece], set[str]]:
    """The pieces of the page's top lines, in order, and the body's content words they are compared with."""
    top, body = top_lines(text)
    return [piece for i, line in enumerate(top) for piece in pieces(line, i)], _content_words(body)


def classify(text: str, model: LineModel | None = None) -> Read:
    """Every piece of the page's top with its class probabilities."""
    found, body_words = top_pieces(text)
    if not found:
        return []
    model = model or line_model()
    probabilities = model.probabilities([features(piece, body_words) for piece in found])
    return [(piece, dict(zip(model.classes, row.tolist(), strict=True))) for piece, row in zip(found, probabilities, strict=True)]
