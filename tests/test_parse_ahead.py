"""A one-shot command's parser process (rag.read.parse_ahead): it reads a question exactly as this process would, and any
failure of it leaves the usual path (and the usual error) in charge. Each case runs in a fresh interpreter: the child
is only started by a single-threaded process that has not loaded spaCy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL = "en_core_web_sm"


def python(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)


def test_the_child_reads_questions_as_this_process_would():
    result = python(f"""
        import sys
        from rag.read import features
        from rag.read import parse_ahead as ahead
        questions = ["Who led the delegation that visited the port in 2024?", "How many members does the council have?",
                     "Which ports are covered, and when was the accord signed?", "name the ministers who spoke"]
        taken = []
        for q in questions:
            assert ahead.start({MODEL!r}), "a fresh single-threaded process may fork"
            taken.append(ahead.take(q, {MODEL!r}))
        assert "spacy" not in sys.modules, "the parser was loaded here after all"
        descriptions = dict(features.label_descriptions())  # sent by the child: no spaCy import
        assert "spacy" not in sys.modules
        from rag.text.parse import load_parser
        from rag.read.question import analyse
        import spacy
        nlp = load_parser({MODEL!r})
        assert taken == [analyse(q, nlp) for q in questions], taken
        assert taken[2].parts and len(taken[2].parts) == 2
        assert descriptions == {{label: spacy.explain(label) or label for label in features.LABELS}}
        assert not ahead.start({MODEL!r}), "spaCy is loaded here now: no child"
        print("same")
    """)
    assert result.stdout.strip() == "same", result.stderr[-3000:]


def test_a_model_that_cannot_load_gives_none_then_the_usual_error():
    result = python("""
        from rag.errors import RagError
        from rag.read import parse_ahead as ahead
        from rag.read.reader import Reader
        assert ahead.start("xx_no_such_model")
        assert ahead.take("Who spoke?", "xx_no_such_model") is None
        try:
            Reader(scorer=None, parser="xx_no_such_model").question("Who spoke?")
        except RagError as exc:
            print("error:", exc.message)
    """)
    assert "error: The spaCy model 'xx_no_such_model' is not installed" in result.stdout, result.stderr[-3000:]


def test_a_child_for_another_model_or_never_asked_is_stopped_and_reaped():
    result = python(f"""
        from rag.read import parse_ahead as ahead
        ahead.start({MODEL!r}); other = ahead._child.pid
        assert ahead.take("Who spoke?", "another_model") is None
        ahead.start({MODEL!r}); unasked = ahead._child.pid
        print(other, unasked)
    """)
    assert result.returncode == 0, result.stderr[-3000:]
    pids = [int(p) for p in result.stdout.split()]
    time.sleep(0.2)
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids), "a parser process outlived its command"


def test_the_cli_with_its_parser_process_answers_as_the_facade_does(seeded):
    question = "Who led the Kazakh delegation that held talks with the Ministry of Maritime Affairs?"
    env = {"RAG_STORE": str(seeded.settings.store_dir), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "rag", "ask", "--json", "--local", "--backend", "extractive", question]
    result = subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    cli = json.loads(result.stdout)
    here = seeded.ask(question, backend="extractive").to_dict()
    assert (cli["outcome"], cli["short_answer"], cli["answer"]) == (here["outcome"], here["short_answer"], here["answer"])
    assert cli["confidence"] == pytest.approx(here["confidence"], abs=1e-4)
    assert [(c["doc_id"], c["start"], c["end"]) for c in cli["citations"]] == [(c["doc_id"], c["start"], c["end"]) for c in here["citations"]]
