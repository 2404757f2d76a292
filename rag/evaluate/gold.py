"""Read a gold Q&A file (DESIGN.md format) and locate each evidence string in the raw articles."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import RagError

REQUIRED = ("id", "question", "answerable")


@dataclass
class GoldItem:
    id: str
    question: str
    answer: str
    must_include: list[str]
    sources: list[str]
    evidence: list[str]
    answerable: bool
    type: str
    spans: list[tuple[str, int, int]] = field(default_factory=list)  # (doc_id, start, end) in raw files


def load_gold(path: Path, articles: dict[str, str]) -> list[GoldItem]:
    """Parse ``path``; every evidence string is located in the raw text of its sources."""
    if not path.is_file():
        raise RagError(f"Gold file not found: {path}")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RagError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
        missing = [k for k in REQUIRED if k not in data]
        if missing:
            raise RagError(f"{path}:{number}: missing {', '.join(missing)}")
        item = GoldItem(
            id=str(data["id"]),
            question=data["question"],
            answer=data.get("answer", ""),
            must_include=list(data.get("must_include", [])),
            sources=list(data.get("sources", [])),
            evidence=list(data.get("evidence", [])),
            answerable=bool(data["answerable"]),
            type=data.get("type", "factoid"),
        )
        for evidence in item.evidence:
            for doc_id in item.sources or list(articles):
                text = articles.get(doc_id, "")
                start = text.find(evidence)
                while start >= 0:
                    item.spans.append((doc_id, start, start + len(evidence)))
                    start = text.find(evidence, start + 1)
        items.append(item)
    return items
