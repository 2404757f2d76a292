"""Accept article files from a browser: check type, size and text before anything is written.

Uploads land in the collection's own upload folder under a sanitised name, so
a name like `../../etc/passwd` or `<script>.txt` can never write outside it.
Hand-written: Gradio hands us a temp file and a client-chosen name, nothing more.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import RagError
from rag.ingest.load import SUFFIX_WORDS, article_text, is_article_name, size_problem


@dataclass
class UploadReport:
    saved: list[Path] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)


def safe_name(name: str) -> str:
    """A plain file name: no folders, no leading dots, only letters, digits, '-', '_', '.'."""
    base = unicodedata.normalize("NFKC", Path(name.replace("\\", "/")).name)
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^\w\-]+", "_", stem, flags=re.UNICODE).strip("._") or "article"
    return f"{stem[:100]}.{suffix.lower()}" if suffix else stem[:100]


def check_upload(name: str, data: bytes, max_bytes: int) -> str | None:
    """Why this upload is refused, or None: the same checks, in the same words, as `rag ingest` makes of a file."""
    if not is_article_name(name):
        return f"{name}: only {SUFFIX_WORDS} files are accepted"
    problem = size_problem(name, len(data), max_bytes)
    if problem:
        return problem
    try:
        article_text(name, data)
    except RagError as exc:
        return exc.message
    return None


def _free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name-2``, ``name-3``… when an article elsewhere already has it (ids are file names)."""
    stem, dot, suffix = name.rpartition(".")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}{dot}{suffix}"
    return candidate


def save_uploads(files: list[tuple[str, bytes]], folder: Path, max_bytes: int, taken: set[str] = frozenset()) -> UploadReport:
    """Write acceptable files into ``folder`` (created if needed); report the rest.

    ``taken``: article ids from other folders, which an upload must not replace.
    """
    report = UploadReport()
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    for name, data in files:
        problem = check_upload(name, data, max_bytes)
        if problem:
            report.rejected.append(problem)
            continue
        target = (root / _free_name(safe_name(name), set(taken))).resolve()
        if target.parent != root:  # cannot happen after safe_name; kept as the last line of defence
            report.rejected.append(f"{name}: unsafe file name")
            continue
        partial = target.with_name(f".{target.name}.part")
        partial.write_bytes(data)
        partial.replace(target)  # atomic: a reader never sees half a file
        report.saved.append(target)
    return report
