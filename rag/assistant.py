"""The facade: the only thing the CLI, the UI and the eval harness talk to.

ingest → retrieve → (refuse early if nothing supports an answer) → generate
(streamed) → attribute citations → refuse if no sentence is supported.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.cite import attribute, evidence_sentences, is_model_refusal, strip_markers
from rag.compose import compose
from rag.config import Settings, load_settings
from rag.errors import RagError
from rag.generate import choose_generator, fallbacks, make_generator
from rag.ingest.pipeline import IngestReport, ingest, remove
from rag.question import Plan, plan
from rag.reader import Reader
from rag.schema import Answer, Passage
from rag.sentences import split_sentences
from rag.store import Store, server_errors
from rag.support import SupportScorer, content_terms, fold
from rag.uploads import UploadReport, save_uploads
from rag.vocabulary import Vocabulary

MAX_QUESTION_CHARS = 2000
_FOLLOW_UP = re.compile(
    r"^(?:and|what about|how about|also|so|but|then|why)\b|\b(?:it|its|they|them|their|that|this|those|these|he|she|his|her|such|there)\b",
    re.IGNORECASE,
)


@dataclass
class Restart:
    """Streamed when a backend failed mid-answer and another takes over: discard the text so far."""

    reason: str


def clean_question(question: str) -> str:
    """Strip control characters; refuse blank or oversized questions with a clear reason."""
    text = "".join(ch for ch in question if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    if not text:
        raise RagError("The question is empty", 'ask something, e.g. rag ask "What was agreed?"')
    if len(text) > MAX_QUESTION_CHARS:
        raise RagError(f"The question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}", "shorten it")
    return text


def condense(question: str, history: list[tuple[str, str]] | None) -> str:
    """The retrieval query for a follow-up: it borrows the previous question's terms.

    Deterministic on purpose: a small model rewriting the question drifts,
    and retrieval only needs the topic words the follow-up leaves out.
    """
    if not history:
        return question
    if len(content_terms(question)) <= 4 or _FOLLOW_UP.search(question):
        return f"{history[-1][0]} {question}"
    return question


class Assistant:
    """Built from settings; opens the store and loads models lazily, once."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        self._store: Store | None = None
        self._scorer: SupportScorer | None = None
        self._retriever = None
        self._vocabulary: Vocabulary | None = None
        self._reader: Reader | None = None
        # One Assistant serves many UI sessions: parts are built once under the
        # first lock; ingest/remove never run beside each other in one process
        # under the second (the store's file lock only guards against other
        # processes), while questions go on being answered.
        self._lock = threading.RLock()
        self._write_lock = threading.RLock()

    @classmethod
    def from_config(cls, config_path: Path | None = None) -> Assistant:
        return cls(load_settings(config_path))

    # -- parts, built on first use ------------------------------------------
    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store(self.settings)
            return self._store

    @property
    def scorer(self) -> SupportScorer:
        with self._lock:
            if self._scorer is None:
                from rag.embed import load_query_embedding

                embedding = load_query_embedding(self.settings.embed.model, self.settings.embed.batch_size)
                self._scorer = SupportScorer(embedding, self.store.term_weights())
            return self._scorer

    @property
    def vocabulary(self) -> Vocabulary:
        """The collection's spelling, for correcting questions; built with the scorer's term weights."""
        with self._lock:
            if self._vocabulary is None:
                from rag.embed import tokenizer_vocabulary

                english = frozenset(tokenizer_vocabulary(self.scorer.embedding)) if self.scorer.embedding is not None else frozenset()
                self._vocabulary = Vocabulary(self.scorer.weights, english)
            return self._vocabulary

    @property
    def reader(self) -> Reader:
        with self._lock:
            if self._reader is None:
                self._reader = Reader(self.scorer, self.settings.cite.answer_threshold, self.scorer.weights.lowercase)
            return self._reader

    def _reset_derived(self) -> None:
        self._scorer = None
        self._retriever = None
        self._vocabulary = None
        self._reader = None

    # -- collection -----------------------------------------------------------
    def ingest(self, paths: list[Path] | None = None, show_progress: bool = False) -> IngestReport:
        with self._write_lock, server_errors(self.settings):
            report = ingest(self.store, self.settings, paths, show_progress=show_progress)
            self._reset_derived()
            return report

    def remove(self, doc_ids: list[str]) -> list[str]:
        with self._write_lock, server_errors(self.settings):
            removed = remove(self.store, doc_ids)
            self._reset_derived()
            return removed

    @property
    def upload_dir(self) -> Path:
        """Where uploaded articles live: the store's own folder, never the user's files."""
        return self.settings.store_dir / "uploads"

    def add_files(self, files: list[tuple[str, bytes]]) -> tuple[UploadReport, IngestReport | None]:
        """Validate and save uploaded (name, bytes) pairs, then ingest them incrementally."""
        with self._write_lock:
            folder = str(self.upload_dir.resolve())
            taken = {doc_id for doc_id, doc in self.store.articles().items() if doc.metadata.get("folder") != folder}
            saved = save_uploads(files, self.upload_dir, int(self.settings.collection.max_file_mb * 1e6), taken)
            report = self.ingest(saved.saved) if saved.saved else None
            return saved, report

    def passage_context(self, doc_id: str, start: int, end: int, window: int = 400) -> tuple[str, str, str]:
        """(before, cited span, after) from the raw article, for showing a citation in place."""
        doc = self.store.articles().get(doc_id)
        if doc is None:
            return "", "", ""
        raw = doc.get_content()
        lo = raw.rfind("\n\n", 0, max(start - window, 0))
        lo = 0 if lo < 0 else lo + 2
        hi = raw.find("\n\n", min(end + window, len(raw)))
        hi = len(raw) if hi < 0 else hi
        return raw[max(lo, start - window * 2) : start], raw[start:end], raw[end : min(hi, end + window * 2)]

    def articles(self) -> list[dict[str, Any]]:
        """One row per indexed article: doc_id, title, outlet, date, chunks."""
        with server_errors(self.settings):
            return [row for _, row in sorted(self.store.article_summaries().items())]

    # -- questions ---------------------------------------------------------
    def retrieve(self, question: str, top_k: int | None = None) -> list[Passage]:
        from rag.retrieve import HybridRetriever

        with server_errors(self.settings):
            if self._retriever is None:
                self._retriever = HybridRetriever(self.store, self.settings)
            return self._retriever.retrieve(clean_question(question), top_k)

    def ask(self, question: str, backend: str | None = None, top_k: int | None = None, history: list[tuple[str, str]] | None = None, model: str | None = None) -> Answer:
        answer = None
        for event in self.stream(question, backend, top_k, history, model):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def stream(
        self, question: str, backend: str | None = None, top_k: int | None = None, history: list[tuple[str, str]] | None = None, model: str | None = None
    ) -> Iterator[str | Restart | Answer]:
        """Yield answer text as it arrives, `Restart` if a backend fails over, and finally the checked `Answer`.

        The steps: plan (normalise the wording, type the question) → retrieve →
        read (the asked-for span, or a refusal naming what is missing) → word it
        (extractive) or generate it (an LLM) → verify citations. Refusal is
        decided by the reader for every backend. ``model`` overrides the Ollama
        model for this question only.
        """
        started = time.perf_counter()
        question = clean_question(question)
        timings: dict[str, float] = {}
        asked = self.vocabulary.normalise(condense(question, history)).text
        question_plan = plan(asked)
        passages = self._retrieve_for(question_plan, top_k)
        if not passages:
            with server_errors(self.settings):
                empty = self.store.chunk_count() == 0
            if empty:
                raise RagError("The collection is empty", "run 'rag ingest' first")
        timings["retrieve_ms"] = _ms(started)

        requested = backend or self.settings.llm.backend
        settings = self.settings
        if model and model != settings.llm.ollama_model:
            settings = copy.copy(settings)
            settings.llm = dataclasses.replace(settings.llm, ollama_model=model)
        generator, _ = choose_generator(requested, settings, self.scorer)
        mark = time.perf_counter()
        evidence = evidence_sentences(passages)
        reading = self.reader.read(question_plan, evidence)
        timings["read_ms"] = _ms(mark)
        if reading.refused or generator.name == "extractive":
            composed = compose(reading, evidence, passages, self.settings.retrieve.merge_threshold)
            yield composed.text
            timings["total_ms"] = _ms(started)
            yield Answer(question, composed.text, reading.refused, generator.name, generator.model, composed.citations, [], timings, composed.short)
            return
        yield from self._generate(question, history, passages, reading, evidence, generator, requested, settings, timings, started, top_k)

    def _generate(self, question, history, passages, reading, evidence, generator, requested, settings, timings, started, top_k) -> Iterator[str | Restart | Answer]:
        """An LLM words the answer; its sentences are re-cited against the passages, its short answer checked against the reader's."""
        cite = self.settings.cite
        mark = time.perf_counter()
        while True:
            generation = generator.generate(question, passages[: top_k or self.settings.retrieve.top_k], history)
            pieces: list[str] = []
            try:
                for token in generation.tokens:
                    if not pieces:
                        timings["first_token_ms"] = _ms(started)
                    pieces.append(token)
                    yield token
                break
            except RagError as exc:
                remaining = fallbacks(generator.name) if requested == "auto" else []
                if not remaining:
                    raise
                generator = make_generator(remaining[0], settings, self.scorer)
                yield Restart(f"{exc}; answering with {generator.name} instead")
                if generator.name == "extractive":
                    break
        timings["generate_ms"] = _ms(mark)
        text = "".join(pieces).strip()
        result = attribute(text, generation.shown, self.scorer, cite.support_threshold, self.settings.retrieve.merge_threshold, cite.drop_unsupported, question)
        if generator.name == "extractive" or not text or is_model_refusal(text) or result.supported_sentences == 0:
            # The reader found an answer but the model's text has none (small models
            # invent figures or refuse wrongly): the reader's answer stands instead.
            if generator.name != "extractive":
                yield Restart("the model's answer was not supported by the passages; quoting them instead")
            composed = compose(reading, evidence, passages, self.settings.retrieve.merge_threshold)
            yield composed.text
            timings["total_ms"] = _ms(started)
            yield Answer(question, composed.text, False, "extractive", "none", composed.citations, [], timings, composed.short)
            return
        short = reading.short if fold(reading.short) and fold(reading.short) in fold(result.text) else strip_markers(split_sentences(result.text)[0]).strip()
        timings["total_ms"] = _ms(started)
        yield Answer(question, result.text, False, generator.name, generator.model, result.citations, result.unsupported, timings, short)

    def _retrieve_for(self, question_plan: Plan, top_k: int | None) -> list[Passage]:
        """The question's passages, plus each part's for a two-part question (a part's answer may sit elsewhere)."""
        passages = self.retrieve(question_plan.question, max(top_k or self.settings.retrieve.top_k, self.settings.retrieve.read_k))
        for part in question_plan.parts:
            seen = {p.id for p in passages}
            passages += [p for p in self.retrieve(part.question, 3) if p.id not in seen]
        return passages

    # -- status ------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        from rag.generate import backend_status

        return {
            "store": str(self.settings.store_dir) if not self.settings.store.host else f"chroma://{self.settings.store.host}:{self.settings.store.port}",
            "articles": len(self.store.article_hashes()),
            "chunks": self.store.chunk_count(),
            "backend": self.settings.llm.backend,
            "backends": backend_status(self.settings, self.scorer),
        }


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
