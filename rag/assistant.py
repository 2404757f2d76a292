"""The facade: the only thing the CLI, the UI and the eval harness talk to.

A question goes plan → retrieve → decide → (check the reader's answer | generate → verify) → word it. The steps
live in `rag.answer` (outcome: decide, check, word; model_answer: generate, verify), all on one `Pipeline` built
from one published store version; `Assistant.stream` calls them in order and yields `AnswerEvent`s.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from collections.abc import Generator as Generator_
from pathlib import Path
from typing import Any

from rag.answer.backends.base import Generator
from rag.answer.backends.registry import check_name, choose_generator
from rag.answer.cite import is_model_refusal
from rag.answer.facts import lead_of
from rag.answer.model_answer import generate, model_context, read_verdict, verify
from rag.answer.models.check import CachedChecker, load_checker
from rag.answer.outcome import ANSWER, NOT_FOUND, UNSURE, Decision, check_reader, decide, quote_relevant, reader_answer
from rag.answer.turn import AnswerEvent, Draft, Pipeline, Turn, elapsed_ms
from rag.answer.verify import Verdict, load_verify_model
from rag.config import Settings, load_settings
from rag.errors import RagError
from rag.ingest.pipeline import IngestReport, ingest, remove
from rag.ingest.uploads import UploadReport, save_uploads
from rag.read.claim import load_claim_model
from rag.read.reader import Reader, Scored
from rag.read.scorer import AnswerModel, load_model
from rag.read.support import SupportScorer
from rag.schema import Answer, EvidenceSentence, Passage, Route, evidence_sentences
from rag.store import Snapshot, Store, open_store, server_errors
from rag.text.lexical import content_terms
from rag.text.vocabulary import Vocabulary

MAX_QUESTION_CHARS = 2000
_FOLLOW_UP = re.compile(
    r"^(?:and|what about|how about|also|so|but|then|why)\b|\b(?:it|its|they|them|their|that|this|those|these|he|she|his|her|such|there)\b",
    re.IGNORECASE,
)


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

    def __init__(self, settings: Settings | None = None, model: AnswerModel | None = None, checker: CachedChecker | None = None, store: Store | None = None) -> None:
        self.settings = settings or load_settings()
        check_name(self.settings.llm.backend)
        # what scores answers and decides a claim: the fitted model (rag/read/answer_model.json) unless one is given
        # (the fitting script reads with a fixed one; tests may claim everything or nothing)
        self.model = model
        # the store, opened on first use; or one already open, shared with another assistant over the same collection
        # (an eval variant, a test reading one store with another scorer)
        self._store: Store | None = store
        self._pipeline: Pipeline | None = None
        # One Assistant serves many UI sessions: the pipeline is built under the first
        # lock, once per published store version; the store itself lets one
        # writer (ingest/remove/upload) in at a time while questions go on.
        self._lock = threading.RLock()
        self._uploading = threading.Lock()  # two uploads must not both pick the same free name
        # Generators the caller supplies by name, beside the configured ones (the eval's oracle): never from config.
        self.generators: dict[str, Generator] = {}
        # the checking model once loaded, or why it could not be (the fitting scripts give one with the dev sets' cache)
        self._checker: CachedChecker | str | None = checker

    # -- the pipeline, built on first use and again when the store publishes a new version --
    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = open_store(self.settings)
            return self._store

    def pipeline(self) -> Pipeline:
        """The retriever, scorer, vocabulary and reader for the store's current version (rebuilt when it changes)."""
        snapshot = self.store.snapshot()
        pipeline = self._pipeline
        if pipeline is not None and pipeline.version == snapshot.version:
            return pipeline
        with self._lock:
            if self._pipeline is None or self._pipeline.version != snapshot.version:
                self._pipeline = self._build_pipeline(snapshot)
            return self._pipeline

    def _build_pipeline(self, snapshot: Snapshot) -> Pipeline:
        from rag.embed.models import load_query_embedding, tokenizer_vocabulary
        from rag.retrieve import HybridRetriever

        embedding = load_query_embedding(self.settings.embed.model)
        scorer = SupportScorer(embedding, snapshot.weights)
        vocabulary = Vocabulary(snapshot.weights, frozenset(tokenizer_vocabulary(embedding)))
        reader = Reader(scorer, self.settings.read.model, self.settings.read.parse, self.settings.read.dense)
        with server_errors(self.settings):
            retriever = HybridRetriever(self.store, self.settings, snapshot.bm25, embedding)
        return Pipeline(snapshot.version, retriever, scorer, vocabulary, reader)

    @property
    def scorer(self) -> SupportScorer:
        return self.pipeline().scorer

    # -- collection -----------------------------------------------------------
    def ingest(self, paths: list[Path] | None = None, show_progress: bool = False) -> IngestReport:
        with server_errors(self.settings):
            return ingest(self.store, self.settings, paths, show_progress=show_progress)

    def remove(self, doc_ids: list[str]) -> list[str]:
        with server_errors(self.settings):
            return remove(self.store, doc_ids)

    @property
    def upload_dir(self) -> Path:
        """Where uploaded articles live: the store's own folder, never the user's files."""
        return self.settings.store_dir / "uploads"

    def add_files(self, files: list[tuple[str, bytes]]) -> tuple[UploadReport, IngestReport | None]:
        """Validate and save uploaded (name, bytes) pairs, then ingest them incrementally."""
        with self._uploading:
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

    def article(self, doc_id: str) -> tuple[dict[str, Any], str]:
        """One article's title, outlet, date and chunk count, and its stored text: what citation offsets index."""
        with server_errors(self.settings):
            doc = self.store.articles().get(doc_id)
            if doc is None:
                raise RagError(f"No article '{doc_id}' is indexed", "'rag info' lists the indexed articles")
            return self.store.article_summaries().get(doc_id, {"doc_id": doc_id}), doc.get_content()

    def articles(self) -> list[dict[str, Any]]:
        """One row per indexed article: doc_id, title, outlet, date, chunks."""
        with server_errors(self.settings):
            return [row for _, row in sorted(self.store.article_summaries().items())]

    # -- questions ---------------------------------------------------------
    def retrieve(self, question: str, top_k: int | None = None) -> list[Passage]:
        return self._retrieve(self.pipeline(), clean_question(question), top_k)

    def _retrieve(self, pipeline: Pipeline, question: str, top_k: int | None) -> list[Passage]:
        candidates = self.settings.retrieve.candidates
        if top_k is not None and top_k > candidates:
            raise RagError(f"top-k {top_k} is more than the {candidates} candidates each ranking returns", "ask for fewer, or raise retrieve.candidates in config.toml")
        with server_errors(self.settings):
            return pipeline.retriever.retrieve(question, top_k)

    def ask(
        self,
        question: str,
        backend: str | None = None,
        top_k: int | None = None,
        history: list[tuple[str, str]] | None = None,
        model: str | None = None,
        check: bool = True,
    ) -> Answer:
        return list(self.stream(question, backend, top_k, history, model, check))[-1].answer

    def stream(
        self,
        question: str,
        backend: str | None = None,
        top_k: int | None = None,
        history: list[tuple[str, str]] | None = None,
        model: str | None = None,
        check: bool = True,
    ) -> Iterator[AnswerEvent]:
        """Yield the answer as it is drafted, and last the checked `Answer` (see `AnswerEvent`).

        Plan (normalise, type the question, choose the backend) → retrieve → decide (the reader's short answer and
        its calibrated outcome, for every backend) → an LLM reads and the verifier checks its lead (unless nothing
        retrieved is about the question) → else the reader's decision, its best short candidates checked by the
        reading model unless ``check`` is false. ``model`` overrides the Ollama model for this question only."""
        turn = self._plan(question, backend, top_k, history, model)
        passages = self._retrieve_step(turn)
        decision, evidence = self._decide(turn, passages)
        draft = Draft()
        answer = None
        route = Route.READER
        if turn.generator.name != "extractive":
            route = Route.GATED if decision.outcome == NOT_FOUND else Route.FALLBACK
            if decision.outcome != NOT_FOUND:
                answer = yield from self._generate_and_verify(turn, passages, decision, evidence, draft, check)
        if answer is None:
            if check:
                fitted = self._fitted_checker(load_claim_model, "claim model", "rag.evaluate.fit_reader")
                decision = yield from check_reader(turn, decision, evidence, passages, draft, fitted)
            elif decision.outcome != NOT_FOUND:
                turn.checked_by = "the reader alone, unchecked (asked without the check)"
            answer = reader_answer(turn, decision, evidence, passages, route)
            yield draft.add(answer.answer)
        answer.timings_ms["total_ms"] = elapsed_ms(turn.started)
        yield draft.done(answer)

    def inspect(self, question: str) -> tuple[Decision, Scored | None]:
        """How the reader reads ``question``: its decision, and every candidate it scored with its features (None when
        nothing was retrieved). For fitting the scorer and for diagnostics; no LLM runs."""
        turn = self._plan(question, "extractive", None, None, None)
        passages = self._retrieve_step(turn)
        decision, evidence = self._decide(turn, passages)
        scored = turn.pipeline.reader.score(turn.parsed, evidence_sentences(passages), passages, self._model()) if evidence else None
        return decision, scored

    def _model(self) -> AnswerModel:
        return self.model or load_model()

    def _plan(self, question: str, backend: str | None, top_k: int | None, history: list[tuple[str, str]] | None, model: str | None) -> Turn:
        started = time.perf_counter()
        question = clean_question(question)
        pipeline = self.pipeline()
        asked = pipeline.vocabulary.normalise(condense(question, history)).text
        settings = self.settings
        if model and model != settings.llm.ollama_model:
            settings = copy.copy(settings)
            settings.llm = dataclasses.replace(settings.llm, ollama_model=model)
        requested = backend or self.settings.llm.backend
        generator = self.generators[requested] if requested in self.generators else choose_generator(requested, settings)[0]
        return Turn(question, history, asked, pipeline, settings, requested, generator, top_k, started)

    def _retrieve_step(self, turn: Turn) -> list[Passage]:
        """The question's passages, plus each part's for a two-part question (a part's answer may sit elsewhere)."""
        retrieve = self.settings.retrieve
        passages = self._retrieve(turn.pipeline, turn.asked, max(turn.top_k or retrieve.top_k, retrieve.read_k))
        for part in turn.pipeline.reader.part_texts(turn.asked):
            seen = {p.id for p in passages}
            passages += [p for p in self._retrieve(turn.pipeline, part, 3) if p.id not in seen]
        if not passages:
            with server_errors(self.settings):
                if self.store.chunk_count() == 0:
                    raise RagError("The collection is empty", "run 'rag ingest' first")
        turn.took("retrieve_ms", turn.started)
        return passages

    def _decide(self, turn: Turn, passages: list[Passage]) -> tuple[Decision, list[EvidenceSentence]]:
        mark = time.perf_counter()
        evidence = evidence_sentences(passages)
        turn.pipeline.reader.prepare(turn.asked, evidence)
        model = self._model()
        reading = turn.pipeline.reader.read(turn.parsed, evidence, passages, model, self.settings.cite.evidence_sentences)
        decision = decide(reading, model, bool(evidence))
        turn.took("read_ms", mark)
        return decision, evidence

    def checker(self) -> tuple[CachedChecker | None, str]:
        """The checking model, loaded once and kept (a server keeps it warm), or None and why there is none."""
        with self._lock:
            if self._checker is None:
                try:
                    self._checker = load_checker(self.settings)
                except RagError as exc:
                    self._checker = str(exc)
            if isinstance(self._checker, str):
                return None, self._checker
            return self._checker, ""

    def _fitted_checker(self, load: Callable[[], Any], what: str, script: str) -> tuple[CachedChecker | None, Any, str]:
        """The checking model with what was fitted for it (``load``: the claim model or the verifier), or None, None
        and why: no checker, or nothing fitted for this one (another model's P(yes) is calibrated differently)."""
        checker, why = self.checker()
        fitted = load() if checker is not None else None
        if checker is not None and (fitted is None or fitted.checker != checker.key):
            return None, None, f"no {what} is fitted for {checker.name} (python -m {script})"
        return checker, fitted, why

    def warm_check(self) -> str:
        """Start loading the checking model in the background (a server's first question should not wait ~2 s for it);
        says in words what will check answers, or why nothing will."""
        checker, why = self.checker()
        if checker is None:
            return f"answers unchecked (the reader alone): {why}"

        def load() -> None:
            with contextlib.suppress(RagError):  # the first question reports it
                checker.warm()

        threading.Thread(target=load, name="warm-check", daemon=True).start()
        return f"answers checked by {checker.name}, {checker.where}"

    def _generate_and_verify(
        self, turn: Turn, passages: list[Passage], decision: Decision, evidence: list[EvidenceSentence], draft: Draft, check: bool
    ) -> Generator_[AnswerEvent, None, Answer | None]:
        """An LLM reads the passages and words the answer, and the verifier checks it (`rag.answer.model_answer`);
        None when the reader's decision should stand instead (the model failed, or wrote nothing)."""
        # the evidence at once: the model's answer takes its place when its first token comes
        yield draft.add(quote_relevant(UNSURE, decision.relevant, evidence, passages, self.settings.retrieve.merge_threshold).text)
        text = yield from generate(turn, passages, evidence, draft)
        if text is None:
            return None
        fitted = self._fitted_checker(load_verify_model, "verifier", "rag.evaluate.fit_verify") if check else (None, None, "asked without the check")
        judged = verify(turn, text, passages, decision, evidence, fitted)
        if judged is None or isinstance(judged, Answer):
            return judged
        if not check:
            return judged.answer(turn, decision, evidence, passages)
        # the model's answer is not claimed (or it found none): the reader's candidates, checked, may be
        yield draft.restart(f"the model's answer is not confirmed ({turn.checked_by}); checking the reader's answers")
        fitted_reader = self._fitted_checker(load_claim_model, "claim model", "rag.evaluate.fit_reader")
        checked_by = turn.checked_by
        reader = yield from check_reader(turn, decision, evidence, passages, draft, fitted_reader)
        turn.checked_by = checked_by
        if reader.outcome == ANSWER:
            claimed = reader_answer(turn, reader, evidence, passages, Route.READER_OVER_MODEL)
            return dataclasses.replace(claimed, model_answer=judged.model_answer)
        if reader.weighed is not None and reader.weighed[1] > judged.weighed[1]:  # the reader's weighs more: shown as likely
            return judged.answer(turn, decision, evidence, passages, (*reader.weighed, reader.weighed_sentence))
        return judged.answer(turn, decision, evidence, passages)

    def verdict(self, question: str, generator: Generator) -> tuple[Verdict | None, Decision, str]:
        """How the verifier reads ``generator``'s answer to ``question``, as `ask` would show it the passages, but
        undecided (the fitting script decides with each variant it tries; diagnostics show the rules and the check).
        The verdict is None where `ask` would not verify: the question is not found, or the model declined."""
        turn = self._plan(question, "extractive", None, None, None)
        passages = self._retrieve_step(turn)
        decision, evidence = self._decide(turn, passages)
        if decision.outcome == NOT_FOUND:
            return None, decision, ""
        text = "".join(generator.generate(turn.question, model_context(turn, passages, evidence), None).tokens).strip()
        lead = lead_of(text)
        if not lead or is_model_refusal(text):
            return None, decision, text
        return read_verdict(turn, lead, evidence, passages, decision, self.checker()[0]), decision, text

    # -- status ------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        from rag.answer.backends.registry import backend_status
        from rag.answer.models.registry import MODELS, status

        claim_model = load_claim_model()
        return {
            "models": {name: status(name) for name in MODELS},
            "checker": {
                "model": self.settings.check.model or "none (the reader alone)",
                "status": status(self.settings.check.model) if self.settings.check.model else "off",
                "claim_model_fitted_for": claim_model.checker_name if claim_model else "none",
                "verifier_fitted_for": verify_model.checker_name if (verify_model := load_verify_model()) else "none",
            },
            "store": str(self.settings.store_dir) if not self.settings.store.host else f"chroma://{self.settings.store.host}:{self.settings.store.port}",
            "articles": len(self.store.article_hashes()),
            "chunks": self.store.chunk_count(),
            "backend": self.settings.llm.backend,
            "backends": backend_status(self.settings),
        }
