"""Check gold files against the gold rule (eval/README.md, "The gold rule").

`python -m rag.evaluate.gold_check FILE...` prints every row that breaks a
rule a script can check and exits 1 when there is one:
- an answerable row's reference answer holds every `must_include` string, and
  so does its evidence (the fact is in what it cites), unless the row says
  `"derived": true` (a figure computed from the evidence, a count of its items);
- a list question's `must_include` names every item its reference answer
  lists: the answer's list is cut at commas, semicolons and a last "and", and
  each item must hold a `must_include` string;
- an unanswerable row has no `must_include`, evidence or sources, and its
  answer says the articles don't say.
Whether a string is the fact or a topic word is for the writer: no script can
tell "railway" from "a railway line to the port".

Written by hand: no library reads this gold format.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from rag.evaluate.metrics import includes_all, normalise

LIST_TYPES = ("list",)


def list_items(answer: str) -> list[str]:
    """The items a reference answer lists: its first sentence cut at commas and semicolons, and its last piece (or
    the whole, without commas) at " and ". "Agriculture and food security, textiles, energy and infrastructure" gives
    three pieces, the last cut in two: four items (an item may hold "and" only where commas separate the items)."""
    first = re.split(r"(?<=[a-z0-9)])\.\s|\s[—–(]\s?|:\s", answer.strip(), maxsplit=1)[0].rstrip(". ")
    first = re.sub(r"^(both|either)\s+", "", first, flags=re.I)
    pieces = [p.strip() for p in re.split(r"[;,]", first) if p.strip()]
    if not pieces:
        return []
    last = re.sub(r"^(and|or)\s+", "", pieces[-1])
    return [*pieces[:-1], *[p for p in re.split(r"\s+(?:and|or|&)\s+", last) if p.strip()]]


def problems(row: dict) -> list[str]:
    """What breaks the rule in one row (empty when it follows it)."""
    found = []
    required = row.get("must_include", [])
    if not row.get("answerable"):
        if required or row.get("evidence") or row.get("sources"):
            found.append("unanswerable but has must_include, evidence or sources")
        if "don't say" not in row.get("answer", ""):
            found.append("unanswerable but its answer does not say the articles don't say")
        return found
    if not required:
        found.append("answerable with no must_include")
    if not includes_all(row.get("answer", ""), required):
        found.append(f"reference answer lacks {[r for r in required if not includes_all(row['answer'], [r])]}")
    evidence = " ".join(row.get("evidence", []))
    missing = [r for r in required if not includes_all(evidence, [r])]
    if missing and not row.get("derived"):
        found.append(f"evidence lacks {missing}")
    if row.get("type") in LIST_TYPES:
        items = list_items(row.get("answer", ""))
        uncovered = [item for item in items if not any(f" {normalise(r)} " in f" {normalise(item)} " for r in required)]
        if len(items) < 2:
            found.append(f"a list question whose answer lists {len(items)} item")
        if uncovered:
            found.append(f"list items without a must_include string: {uncovered}")
    return found


def check(path: Path) -> list[str]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [f"{path}: {row['id']}: {p}" for row in map(json.loads, lines) for p in problems(row)]


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.split("\n\n", 2)[1])
        return 2
    found = [p for path in argv for p in check(Path(path))]
    print("\n".join(found) if found else f"{len(argv)} file(s) follow the gold rule")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
