"""Every answer backend in one place: its name, how it is built (imported on first use), how an answer names it, and
whether `auto` tries it. The config check, the CLI's and the UI's choices, `rag info` and an Answer's "answered by"
all read this table.

`auto` tries Ollama, then the embedded model (llm.llamacpp_model, by default the reading model Qwen2.5-Coder-1.5B) when
a reading model is configured to judge its answer (check.model), then the reader alone.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rag.errors import RagError
from rag.schema import Route

if TYPE_CHECKING:
    from rag.answer.backends.base import Generator
    from rag.config import Settings
    from rag.schema import Answer


@dataclass(frozen=True)
class Backend:
    name: str
    label: str  # the UI's choice
    builds: str  # "module:Class", built from the settings' [llm] table
    answered_by: str  # how an answer names it; {model} is the model's name
    in_auto: bool  # tried by `auto`, in this table's order
    auto_needs_judge: bool = False  # `auto` tries it only when a reading model (check.model) can judge its answers


BACKENDS = {
    b.name: b
    for b in (
        Backend("ollama", "ollama", "rag.answer.backends.ollama:OllamaGenerator", "{model} via Ollama", True),
        Backend("llamacpp", "embedded (llama.cpp)", "rag.answer.backends.llamacpp:LlamaCppGenerator", "{model}, in-process (llama.cpp)", True, True),
        Backend("extractive", "extractive (quotes only)", "rag.answer.backends.extractive:ExtractiveGenerator", "no LLM — quoted from the articles", True),
    )
}
AUTO = "auto"
CHOICES = (AUTO, *BACKENDS)  # what config, the CLI and the UI accept
AUTO_ORDER = tuple(name for name, b in BACKENDS.items() if b.in_auto)
# why the reader answered under an LLM backend, by the answer's route
WHY_READER = {
    Route.GATED: " (nothing retrieved is about the question, so no model was asked)",
    Route.FALLBACK: " (the model's answer was not supported by the passages, or the model failed)",
    Route.READER_OVER_MODEL: " (the model's answer was not confirmed; the reader's, checked, is)",
}


def check_name(name: str) -> None:
    if name not in CHOICES:
        raise RagError(f"Unknown backend '{name}'", f"choose one of: {', '.join(CHOICES)}")


def make_generator(name: str, settings: Settings) -> Generator:
    """The generator called ``name`` (not `auto`); raises `RagError` if it cannot be built."""
    if name not in BACKENDS:
        check_name(name)
        raise RagError("`auto` is not one backend", f"choose one of: {', '.join(BACKENDS)}")
    module, cls = BACKENDS[name].builds.split(":")
    built = getattr(importlib.import_module(module), cls)
    return built(settings.llm)


def backend_status(settings: Settings) -> dict[str, str]:
    """For each backend, 'ready' or the reason it is not (shown by `rag info`)."""
    status = {}
    for name in BACKENDS:
        try:
            make_generator(name, settings).check()
            status[name] = "ready"
        except RagError as exc:
            status[name] = str(exc)
    return status


def choose_generator(name: str, settings: Settings) -> tuple[Generator, list[str]]:
    """The generator to use and, for `auto`, why earlier ones were passed over."""
    if name != AUTO:
        generator = make_generator(name, settings)
        generator.check()
        return generator, []
    skipped = []
    for candidate in AUTO_ORDER:
        if not _judged_if_needed(candidate, settings):
            skipped.append(f"{candidate}: no reading model (check.model) to judge its answer")
            continue
        try:
            generator = make_generator(candidate, settings)
            generator.check()
            return generator, skipped
        except RagError as exc:
            skipped.append(f"{candidate}: {exc}")
    raise RagError("No backend can answer", "; ".join(skipped))


def fallbacks(name: str, settings: Settings) -> list[str]:
    """Backends `auto` may fall back to after ``name`` fails mid-answer."""
    later = list(AUTO_ORDER[AUTO_ORDER.index(name) + 1 :]) if name in AUTO_ORDER else []
    return [b for b in later if _judged_if_needed(b, settings)]


def _judged_if_needed(name: str, settings: Settings) -> bool:
    """Whether `auto` may try ``name``: a backend it tries only under a judge needs a reading model configured."""
    return not BACKENDS[name].auto_needs_judge or bool(settings.check.model)


def answered_by(answer: Answer) -> str:
    """Who answered, in words a reader understands ("llama3.2:3b via Ollama", "no LLM — quoted from the articles")."""
    if answer.backend == "oracle":
        return "the reference answers (eval oracle)"
    backend = BACKENDS.get(answer.backend, BACKENDS["extractive"])
    if backend.name != "extractive":
        return backend.answered_by.format(model=answer.model)
    checked = f"; {answer.checked_by}" if answer.checked_by else ""
    return backend.answered_by + WHY_READER.get(answer.route, "") + checked
