"""Many threads in one process, and a second process, on one store: readers see whole versions, writers never lose one.

Run 20× in a loop for issue 12 (see docs/RELIABILITY.md); each run is ~1 min on 2 cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

from rag.assistant import Assistant
from rag.text.lexical import stem
from tests.conftest import ROOT, collection_settings
from tests.reliability.conftest import assert_store_consistent
from tests.test_reader import INVENTED

# A second outlet's articles, added and removed while questions are answered: every name in them is new to the store.
LATER = {
    "quarry.txt": "Quarry closes after forty years\n\nMILLBROOK: The Zorvath quarry closed on Friday after forty years. "
    "Owner Pia Kessel said 120 workers would move to the new cement works at Dunmore.\n",
    "bridge.txt": "Millbrook bridge reopens\n\nMILLBROOK: The Zorvath river bridge reopened on Sunday after repairs that cost 9 million euros. "
    "Engineer Tomas Brandt said the bridge could carry lorries again.\n",
}
QUESTIONS = ["how much did the ferry terminal cost?", "Who is the transport minister?", "When will the rail link open?", "who owns the quarry?"]


def _write(folder, articles: dict[str, str]):
    folder.mkdir(exist_ok=True)
    for name, text in articles.items():
        (folder / name).write_text(text)
    return folder


def _cited_spans_are_exact(answer, raw: dict[str, str]) -> None:
    for c in answer.citations:
        assert raw[c.doc_id][c.start : c.end] == c.quote, (c.doc_id, c.quote)


def test_questions_go_on_while_ingest_and_removal_run(tmp_path):
    """Four threads ask while a fifth ingests a folder and removes it again, twice: no error, every citation exact,
    and afterwards the answering pipeline is the one built from the store's last version."""
    assistant = Assistant(collection_settings(tmp_path, INVENTED, backend="extractive"))
    assistant.ingest()
    later = _write(tmp_path / "later", LATER)
    raw = INVENTED | LATER
    errors: list[str] = []
    answered = [0]
    writing = threading.Event()

    def ask() -> None:
        # ask until the writer is done, then one more round (on the final version)
        rounds_after = 0
        while rounds_after < 1:
            rounds_after += writing.is_set()
            for question in QUESTIONS:
                try:
                    _cited_spans_are_exact(assistant.ask(question), raw)
                    answered[0] += 1
                except Exception as exc:  # any failure beside a writer is the bug under test
                    errors.append(f"{question}: {exc!r}")

    def write() -> None:
        try:
            for _ in range(2):
                assistant.ingest([later])
                assistant.remove(list(LATER))
        except Exception as exc:
            errors.append(f"writer: {exc!r}")
        finally:
            writing.set()

    askers = [threading.Thread(target=ask) for _ in range(4)]
    writer = threading.Thread(target=write)
    for t in [*askers, writer]:
        t.start()
    for t in [writer, *askers]:
        t.join(timeout=600)
    assert not errors, errors[:3]
    assert answered[0] >= 4

    snapshot = assistant.store.snapshot()
    pipeline = assistant.pipeline()
    assert pipeline.version == snapshot.version and pipeline.scorer.weights is snapshot.weights
    assert set(snapshot.article_hashes()) == set(INVENTED)
    assert stem("zorvath") not in pipeline.scorer.weights.df  # the removed articles' terms went with them
    assert_store_consistent(assistant)


def test_a_second_process_ingesting_is_seen_whole_and_never_overwritten(tmp_path):
    """While this process answers, another ingests new articles. This process then answers from them with the new
    term weights, and its own next ingest keeps them: no save of its old docstore drops the other's articles."""
    settings = collection_settings(tmp_path, INVENTED, backend="extractive")
    first = Assistant(settings)
    first.ingest()
    assert "9 million euros" not in first.ask("how much did the Zorvath bridge repairs cost?").answer
    old_version = first.pipeline().version

    later = _write(tmp_path / "later", LATER)
    env = dict(os.environ, RAG_STORE=str(settings.store_dir), RAG_CONFIG=str(ROOT / "config.toml"))
    other = subprocess.Popen([sys.executable, "-m", "rag", "ingest", str(later)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    errors = []
    while other.poll() is None:
        try:
            first.ask("how much did the ferry terminal cost?")
        except Exception as exc:  # a reader beside another process's writer must not fail
            errors.append(repr(exc))
        time.sleep(0.05)
    _out, err = other.communicate()
    assert other.returncode == 0, err
    assert not errors, errors[:3]

    answer = first.ask("how much did the Zorvath bridge repairs cost?")
    assert first.pipeline().version != old_version
    assert stem("zorvath") in first.pipeline().scorer.weights.df  # the other process's term weights, not the stale ones
    assert not answer.refused and "9 million euros" in answer.answer  # claimed, or quoted as the evidence
    _cited_spans_are_exact(answer, INVENTED | LATER)

    (tmp_path / "articles" / "extra.txt").write_text(
        "Ferry fares set\n\nHARBOUR TOWN: The council set the ferry fare to Port Alva at 12 euros for adults and 6 euros for children.\n"
    )
    first.ingest()
    assert set(first.store.article_hashes()) == set(INVENTED) | set(LATER) | {"extra.txt"}
    assert_store_consistent(first)
