"""What a model said, on disk: one JSON line per check (a P(yes)) or per answer (its text, for the eval's stand-in
models), keyed by the model's sha256 and the prompt.

A check costs seconds on 2 cores; fitting the claim model asks thousands and
an eval hundreds, so nothing is asked twice. Lines are appended (one short
write each, so two processes appending never interleave within a line) and
read once per process; a damaged line is skipped, not fatal. The dev sets'
file is committed beside the fitted claim model (`rag/read/checks/`), small
data the fit needs; the user's cache lives in their cache folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any


def default_folder() -> Path:
    """$RAG_CHECK_CACHE, else the user's cache folder."""
    if os.environ.get("RAG_CHECK_CACHE"):
        return Path(os.environ["RAG_CHECK_CACHE"]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "rag" / "checks"


class CheckCache:
    """P(yes) by key, loaded from ``path`` on first use; ``extra`` files are read as well, never written."""

    def __init__(self, path: Path, extra: tuple[Path, ...] = ()) -> None:
        self.path, self.extra = path, extra
        self._answers: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @staticmethod
    def key(model_key: str, messages: list[dict[str, str]]) -> str:
        text = model_key + "\x00" + json.dumps(messages, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def _load(self) -> dict[str, Any]:
        if self._answers is None:
            answers: dict[str, Any] = {}
            for path in (*self.extra, self.path):
                try:
                    lines = path.read_text(encoding="utf-8").splitlines()
                except OSError:
                    continue
                for line in lines:
                    try:
                        row = json.loads(line)
                        answers[str(row["k"])] = float(row["p"]) if isinstance(row["p"], (int, float)) else row["p"]
                    except (ValueError, KeyError, TypeError):
                        continue  # a line cut by a killed writer
            self._answers = answers
        return self._answers

    def get(self, key: str) -> Any:
        with self._lock:
            return self._load().get(key)

    def put(self, answers: dict[str, Any]) -> None:
        answers = {key: round(float(p), 6) if isinstance(p, (int, float)) else p for key, p in answers.items()}  # what the file keeps
        with self._lock:
            self._load().update(answers)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as out:
                    for key, p in answers.items():
                        out.write(json.dumps({"k": key, "p": p}) + "\n")
            except OSError:
                pass  # a read-only cache folder costs speed, never an answer

    def __len__(self) -> int:
        with self._lock:
            return len(self._load())
