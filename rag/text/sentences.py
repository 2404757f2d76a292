"""Split text into sentence spans: lines first (headlines have no full stop), then Punkt.

A line that stops mid-sentence (no closing punctuation) and is followed by a
line starting in lower case is a hard wrap, not a break: the two are one
sentence ("…cost 42 million euros and / can handle 3,000 passengers").

Punkt, untrained, is the tokenizer llama-index's own SentenceSplitter uses;
spans rather than strings so a cited sentence keeps its offsets.
"""

from __future__ import annotations

import re
import threading

from rag.imports import without

_LINE = re.compile(r"[^\n]+")
_ENDS_SENTENCE = re.compile(r"[.!?:;…][\"'”’)\]]*\s*$")
_CONTINUES = re.compile(r"\s*[a-z0-9(,]")


def _segments(text: str) -> list[tuple[int, int]]:
    """Lines, with hard-wrapped ones joined back together."""
    segments: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        start, end = line.span()
        if segments:
            prev_start, prev_end = segments[-1]
            joined_by_one_newline = text[prev_end:start] == "\n"
            if joined_by_one_newline and not _ENDS_SENTENCE.search(text[prev_start:prev_end]) and _CONTINUES.match(line.group(0)):
                segments[-1] = (prev_start, end)
                continue
        segments.append((start, end))
    return segments


_PUNKT_LOCK = threading.Lock()  # the first use imports nltk: two threads importing it at once see half a module
_punkt_tokenizer = None


def _punkt():
    global _punkt_tokenizer
    if _punkt_tokenizer is not None:
        return _punkt_tokenizer
    with _PUNKT_LOCK:
        if _punkt_tokenizer is None:
            with without("sklearn", "scipy.stats"):  # nltk's classifiers and collocation statistics (rag.imports)
                from nltk.tokenize import PunktSentenceTokenizer

            # the untrained Punkt llama-index's SentenceSplitter uses (its globals_helper builds exactly this), made
            # here so the question path imports no llama-index
            _punkt_tokenizer = PunktSentenceTokenizer()
    return _punkt_tokenizer


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence in ``text``, whitespace trimmed."""
    tokenizer = _punkt()
    spans: list[tuple[int, int]] = []
    for seg_start, seg_end in _segments(text):
        segment = text[seg_start:seg_end]
        for start, end in tokenizer.span_tokenize(segment):
            piece = segment[start:end]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            if end - trail > start + lead:
                spans.append((seg_start + start + lead, seg_start + end - trail))
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def dumps_spans(spans: list[tuple[int, int]]) -> str:
    """Spans as stored in a chunk's metadata ("0,52;53,140"): Chroma metadata values are scalars."""
    return ";".join(f"{start},{end}" for start, end in spans)


def loads_spans(data: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in (pair.split(",") for pair in data.split(";") if pair)]
