"""Split text into sentence spans: lines first (headlines have no full stop), then Punkt.

Punkt is the tokenizer llama-index's own SentenceSplitter uses (bundled with
llama-index-core, so it works offline); spans rather than strings so a cited
sentence keeps its offsets.
"""

from __future__ import annotations

import re

_LINE = re.compile(r"[^\n]+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence in ``text``, whitespace trimmed."""
    from llama_index.core.utils import globals_helper

    tokenizer = globals_helper.punkt_tokenizer
    spans: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        for start, end in tokenizer.span_tokenize(line.group(0)):
            piece = line.group(0)[start:end]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            if end - trail > start + lead:
                spans.append((line.start() + start + lead, line.start() + end - trail))
    return spans


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]
