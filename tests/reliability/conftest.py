"""Helpers for the reliability suite: the CLI run in-process (models load once), store integrity checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import ROOT


def run_cli(*args: str, store: Path, config: Path | None = None):
    """`rag …` in-process, as a user would type it; returns click's Result (exit_code, stdout, stderr)."""
    from rag.cli import main

    env = {"RAG_STORE": str(store), "RAG_CONFIG": str(config or ROOT / "config.toml"), "RAG_BACKEND": ""}
    return CliRunner().invoke(main, list(args), env=env)


def assert_clear_failure(result, message: str) -> None:
    assert result.exit_code == 1, (result.exit_code, result.output)
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output and "Unexpected error" not in result.output


def assert_store_consistent(assistant) -> None:
    """Every docstore article has chunks, every chunk belongs to a docstore article, no chunk twice."""
    chunks = assistant.store.all_chunks()
    ids = [n.node_id for n in chunks]
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    by_doc = {n.metadata["doc_id"] for n in chunks}
    assert by_doc == set(assistant.store.article_hashes()), by_doc ^ set(assistant.store.article_hashes())


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    """An ingested seeds store for read-mostly bad-input checks."""
    from rag.assistant import Assistant
    from tests.conftest import make_settings

    assistant = Assistant(make_settings(tmp_path_factory.mktemp("reliability-store")))
    assistant.ingest()
    return assistant
