"""CI runs exactly the test command a newcomer copies from the README."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(python3\.11 -m venv[^\n]+)\n```", (ROOT / "README.md").read_text())


def test_readme_has_exactly_two_setup_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert "rag ingest" in commands[0] and "rag ask" in commands[0]
    assert ".[embedded]" in commands[0]  # the first answer is checked by the embedded reading model
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    assert readme_commands()[1] in (ROOT / ".ci/run").read_text()


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="embedded LLM not installed (the embedded extra)")
@pytest.mark.xfail(
    strict=True,
    reason="MISSED (issue 'The model answers, one judge decides'): the 1.5B answers '$239 million' but the refitted verifier "
    "gives it 0.65 against its 0.863 threshold, so it is shown as 'Likely: … 69%', not claimed",
)
def test_the_readme_question_gets_its_answer_claimed_on_the_default_path(seeded):
    """The first command's question, asked as `rag ask` asks it (`auto`, no Ollama server: the packaged 1.5B writes
    the short answer and its check judges it), ends with a claimed, cited "around $239 million"."""
    from tests.conftest import sharing

    question = re.search(r'rag ask "([^"]+)"', readme_commands()[0]).group(1)
    default = sharing(seeded, llamacpp_model="qwen2.5-coder-1.5b", ollama_host="http://127.0.0.1:9")
    default.settings.check.model = "qwen2.5-coder-1.5b"
    answer = default.ask(question)
    assert answer.outcome == "answer" and "239 million" in answer.short_answer, answer.answer
    assert "239 million" in answer.model_answer and answer.route in ("model", "reader_over_model")
    assert "239 million" in answer.citations[0].quote and answer.citations[0].role == "evidence"
