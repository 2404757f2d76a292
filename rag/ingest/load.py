"""Read article files into `Article`s: raw text untouched, metadata the text states.

Validation happens here, before anything touches the store, so one bad file
is reported and skipped while the good ones are ingested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rag.errors import RagError
from rag.ingest.dates import DATE_PATTERN, first_date, to_iso

# What an article file is, for ingest and uploads alike: one home for the rule.
ARTICLE_SUFFIXES = (".txt", ".md")
TITLE_MAX_WORDS = 25
BODY_MIN_WORDS = 30
FALLBACK_TITLE_WORDS = 12

_PUBLISHED_DATE = re.compile(r"(?:\bdate\s+|\bpublished\b[^\n\d]{0,40})(?=\S)", re.IGNORECASE)
_OUTLET_PATTERNS = [
    re.compile(r"\bPublished in ([A-Z][\w.&' -]{1,40}?),"),
    re.compile(r"^\s*([A-Z][\w-]*?)(?:\.com)?\s+Published\b", re.MULTILINE),
    re.compile(r"\(([A-Z][\w]+(?: [A-Z][\w]+)*) ?/"),
    re.compile(r"\b(?:Source|Courtesy):\s*([A-Z][\w.&' -]{1,40}?)\s*$", re.MULTILINE),
]
_DATELINE = re.compile(r"^[A-Z]{2,}[A-Z ,.]*(?:\([^)]*\)\s*|[:–—-]\s*)")


@dataclass(frozen=True)
class Article:
    """One source file. ``doc_id`` is the file name, stable across re-ingests."""

    doc_id: str
    path: Path
    raw: str
    outlet: str
    date: str

    @property
    def folder(self) -> str:
        return str(self.path.parent.resolve())


def find_article_files(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Expand folders into article files; return (files, problems)."""
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES))
        elif path.is_file():
            if is_article_name(path.name):
                files.append(path)
            else:
                problems.append(f"{path}: not a {SUFFIX_WORDS} file, skipped")
        else:
            raise RagError(f"No such file or folder: {path}", "check the path, or run 'rag ingest' with no argument to ingest the configured folders")
    return files, problems


def is_article_name(name: str) -> bool:
    return Path(name).suffix.lower() in ARTICLE_SUFFIXES


SUFFIX_WORDS = " or ".join(ARTICLE_SUFFIXES)


def size_problem(name: str, size: int, max_bytes: int) -> str | None:
    if size > max_bytes:
        return f"{name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB limit (collection.max_file_mb)"
    return None


def decode_article(name: str, data: bytes) -> str:
    """The text of an article file's bytes; `RagError` when they are binary or hold no text.

    The one check for files on disk and browser uploads, so both refuse the same inputs with the same words.
    """
    if b"\x00" in data:
        raise RagError(f"{name}: looks like a binary file, not text")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old news exports are often Windows-1252; better read than refused.
        raw = data.decode("cp1252", errors="replace")
    if not raw.strip():
        raise RagError(f"{name}: is empty")
    return raw


def read_article(path: Path, max_bytes: int) -> Article:
    """Read one file; raise `RagError` with a one-line reason if it is unusable."""
    try:
        problem = size_problem(path.name, path.stat().st_size, max_bytes)  # before reading a huge file
        if problem:
            raise RagError(problem)
        data = path.read_bytes()
    except OSError as exc:
        raise RagError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    raw = decode_article(path.name, data)
    return Article(doc_id=path.name, path=path, raw=raw, outlet=find_outlet(raw), date=find_date(raw))


def find_date(raw: str) -> str:
    """The publication date: a ``date``/``Published`` stamp first, else the first date stated."""
    for marker in _PUBLISHED_DATE.finditer(raw):
        match = DATE_PATTERN.match(raw, marker.end())
        if match and to_iso(match):
            return to_iso(match) or ""
    return first_date(raw) or ""


def find_outlet(raw: str) -> str:
    for pattern in _OUTLET_PATTERNS:
        match = pattern.search(raw)
        if match:
            return match.group(1).strip()
    return ""


def find_title(clean: str) -> str:
    """A short headline line before the body, else the body's first words."""
    for line in clean.splitlines():
        words = line.split()
        if not words:
            continue
        if len(words) >= BODY_MIN_WORDS:
            break
        if 3 <= len(words) <= TITLE_MAX_WORDS and not line.rstrip().endswith("."):
            return line.strip()
    first_line = next((line for line in clean.splitlines() if line.strip()), "")
    words = _DATELINE.sub("", first_line.strip()).split()
    title = " ".join(words[:FALLBACK_TITLE_WORDS])
    return title + ("…" if len(words) > FALLBACK_TITLE_WORDS else "")
