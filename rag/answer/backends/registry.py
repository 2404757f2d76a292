"""Backend factory: config names a generator, `auto` takes the first that can answer now."""

from __future__ import annotations

from rag.answer.backends.base import Generator
from rag.config import Settings
from rag.errors import RagError
from rag.read.support import SupportScorer

# `auto` tries Ollama, then the reader alone. The embedded SmolLM2-135M is used
# only when named: measured below the reader (README, "Answer backends").
AUTO_ORDER = ("ollama", "extractive")
ALL_BACKENDS = ("ollama", "llamacpp", "extractive")


def make_generator(name: str, settings: Settings, scorer: SupportScorer) -> Generator:
    """The generator called ``name`` (not `auto`); raises `RagError` if it cannot be built."""
    if name == "ollama":
        from rag.answer.backends.ollama import OllamaGenerator

        return OllamaGenerator(settings.llm)
    if name == "llamacpp":
        from rag.answer.backends.llamacpp import LlamaCppGenerator

        return LlamaCppGenerator(settings.llm)
    if name == "extractive":
        from rag.answer.backends.extractive import ExtractiveGenerator

        return ExtractiveGenerator()
    raise RagError(f"Unknown backend '{name}'", f"choose one of: auto, {', '.join(ALL_BACKENDS)}")


def backend_status(settings: Settings, scorer: SupportScorer) -> dict[str, str]:
    """For each backend, 'ready' or the reason it is not (shown by `rag info`)."""
    status = {}
    for name in ALL_BACKENDS:
        try:
            make_generator(name, settings, scorer).check()
            status[name] = "ready"
        except RagError as exc:
            status[name] = str(exc)
    return status


def choose_generator(name: str, settings: Settings, scorer: SupportScorer) -> tuple[Generator, list[str]]:
    """The generator to use and, for `auto`, why earlier ones were passed over."""
    if name != "auto":
        generator = make_generator(name, settings, scorer)
        generator.check()
        return generator, []
    skipped = []
    for candidate in AUTO_ORDER:
        try:
            generator = make_generator(candidate, settings, scorer)
            generator.check()
            return generator, skipped
        except RagError as exc:
            skipped.append(f"{candidate}: {exc}")
    raise RagError("No backend can answer", "; ".join(skipped))


def fallbacks(name: str) -> list[str]:
    """Backends `auto` may fall back to after ``name`` fails mid-answer."""
    return list(AUTO_ORDER[AUTO_ORDER.index(name) + 1 :]) if name in AUTO_ORDER else []
