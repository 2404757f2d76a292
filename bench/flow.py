"""How many of the package's files one question passes through: `python bench/flow.py [--out FILE]`.

One `Assistant.stream` (the default backend, the check on, a warm assistant: a first question loads the models) is
traced with `sys.setprofile`. Counted: the `rag/` files it enters; the *pairs* of files a call crosses between (each
pair once: how tangled the path is, whatever the loop counts); the distinct *moves* (a call or return from one file
into another, each once) and, of those, the *returns* (into a file the question had already left); and every
crossing, loops included. Fewer files and pairs mean a
question's path reads top to bottom (issue "One home per stage"). Hand-written: no profiler in the stack counts file crossings.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ("When was the agreement signed?", "Who attended the meeting?")  # general wording: any collection has an answer or a refusal


def trace(assistant, question: str) -> list[str]:
    """The `rag/` files entered, in order, while ``question`` is answered (consecutive repeats folded)."""
    package = str(ROOT / "rag")
    path: list[str] = []

    def profile(frame, event, _arg) -> None:
        if event not in ("call", "return"):
            return
        code = frame if event == "call" else frame.f_back
        name = code.f_code.co_filename if code is not None else ""
        if name.startswith(package) and (not path or path[-1] != name):
            path.append(name)

    sys.setprofile(profile)
    try:
        for _ in assistant.stream(question):
            pass
    finally:
        sys.setprofile(None)
    return [os.path.relpath(p, ROOT) for p in path]


def summary(path: list[str]) -> dict:
    """Counts over the files entered in order: each distinct move (a call or return from one file into another, once
    however often a loop repeats it) and, of those, the returns into a file the question had already left."""
    left: set[str] = set()
    moves: set[tuple[str, str]] = set()
    returns = 0
    for before, after in itertools.pairwise(path):
        left.add(before)
        if (before, after) not in moves:
            moves.add((before, after))
            returns += after in left
    pairs = Counter(frozenset(p) for p in itertools.pairwise(path))
    busiest = [" ↔ ".join(sorted(p)) + f" ({n})" for p, n in pairs.most_common(3)]
    return {"files": len(set(path)), "pairs": len(pairs), "moves": len(moves), "returns": returns, "crossings": max(len(path) - 1, 0), "busiest": busiest}


SECTION = "## Files a question passes through"


def table(counts: dict, before: dict | None) -> list[str]:
    rows = [
        ("files entered", "files"),
        ("pairs of files a call crosses between", "pairs"),
        ("distinct moves between files", "moves"),
        ("of which returns to a file already left", "returns"),
        ("every crossing, loops included", "crossings"),
    ]
    before = {**summary(before["path"]), "tree": before.get("tree", "")} if before else None
    head = ["| | before | now |", "|---|---|---|"] if before else ["| | now |", "|---|---|"]
    body = [f"| {label} | {before[key]} | {counts[key]} |" if before else f"| {label} | {counts[key]} |" for label, key in rows]
    note = "" if not before else f"Before: `{before.get('tree', 'an earlier tree')}`, measured by this script."
    return [f"`python bench/flow.py` — {time.strftime('%Y-%m-%d %H:%M')}: one `Assistant.stream` of the default path (reader + check).", "", *head, *body, "", note]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the counts and the path as JSON here")
    parser.add_argument("--before", type=Path, help="a JSON this script wrote on an earlier tree: shown beside")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md", help="the section of this file is rewritten")
    args = parser.parse_args()
    os.environ.setdefault("RAG_STORE", tempfile.mkdtemp())
    sys.path.insert(0, str(ROOT))
    from rag.assistant import Assistant

    assistant = Assistant()
    assistant.ingest([ROOT / "seeds"])
    assistant.ask(QUESTIONS[1])  # warm: models loaded, lazy imports done
    path = trace(assistant, QUESTIONS[0])
    counts = summary(path)
    print(json.dumps(counts, indent=1))
    if args.out:
        args.out.write_text(json.dumps({**counts, "path": path}, indent=1))
    from bench.check import write_section

    write_section(table(counts, json.loads(args.before.read_text()) if args.before else None), args.results, SECTION)


if __name__ == "__main__":
    main()
