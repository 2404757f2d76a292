"""Shared fixtures: the real seeds, real Chroma stores in temp dirs, the real embedding model."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def make_settings(store: Path, **llm: object):
    """Default settings (the repo's config.toml) with the store in ``store``."""
    from rag.config import load_settings

    settings = load_settings(ROOT / "config.toml", env={})
    settings.store.path = str(store)
    settings.collection.paths = [str(SEEDS)]
    for key, value in llm.items():
        setattr(settings.llm, key, value)
    return settings


@pytest.fixture(scope="session")
def seeds() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def raw_articles() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in SEEDS.iterdir()}


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    """One Assistant over the ingested seeds, shared by read-only tests."""
    from rag.assistant import Assistant

    assistant = Assistant(make_settings(tmp_path_factory.mktemp("seeded-store")))
    assistant.ingest()
    return assistant


@pytest.fixture
def article_dir(tmp_path: Path) -> Path:
    """A private, writable copy of the seeds."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def fresh(tmp_path: Path, article_dir: Path):
    """An Assistant with an empty store of its own, configured to ingest ``article_dir``."""
    from rag.assistant import Assistant

    settings = make_settings(tmp_path / "store")
    settings.collection.paths = [str(article_dir)]
    return Assistant(settings)
