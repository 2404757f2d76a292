"""What the surfaces (CLI, UI, API, watch, render) may know of the layers below the facade, named in one place so that
they import nothing else from there (tests/test_layers.py): the backends one may ask for and their labels, how an
answer names who answered, and which files are articles. Light on purpose: `rag ask` imports it before the facade,
while its parser process starts (the article rules, which pull numpy, load on first use)."""

from __future__ import annotations

from rag.answer.backends.registry import AUTO, BACKENDS, CHOICES, answered_by

BACKEND_CHOICES = CHOICES
BACKEND_LABELS = [(AUTO, AUTO), *((b.label, b.name) for b in BACKENDS.values())]
__all__ = ["BACKEND_CHOICES", "BACKEND_LABELS", "answered_by", "article_suffixes", "is_article_name"]


def article_suffixes() -> list[str]:
    """The file suffixes ingest reads as articles."""
    from rag.ingest.load import ARTICLE_SUFFIXES

    return list(ARTICLE_SUFFIXES)


def is_article_name(name: str) -> bool:
    from rag.ingest.load import is_article_name as article

    return article(name)
