"""Read article files into `Article`s: the text that is indexed and cited, and the metadata the file states.

A `.txt`/`.md` file's text is its raw text, untouched; a saved `.html` page's
is the article trafilatura extracts from it (`rag.ingest.html`), a `.pdf`'s the
pages' text in reading order (`rag.ingest.pdf`), a `.docx`'s its body
(`rag.ingest.word`). Title, outlet and date: a sidecar first, then what the
file states (front matter, a page's or a document's metadata), then general
signals (`rag.ingest.metadata`). Validation happens
here, before anything touches the store, so one bad file is reported and
skipped while the good ones are ingested.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rag.errors import RagError
from rag.ingest.html import HTML_SUFFIXES, extract_page
from rag.ingest.metadata import Metadata, front_matter, read_metadata, sidecar
from rag.ingest.pdf import PDF_SUFFIXES, extract_pdf
from rag.ingest.word import DOCX_SUFFIXES, extract_docx

# What an article file is, for ingest and uploads alike: one home for the rule.
ARTICLE_SUFFIXES = (".txt", ".md", *HTML_SUFFIXES, *PDF_SUFFIXES, *DOCX_SUFFIXES)
# Binary documents: their text is extracted from the bytes, never decoded from them.
_DOCUMENTS = {**dict.fromkeys(PDF_SUFFIXES, extract_pdf), **dict.fromkeys(DOCX_SUFFIXES, extract_docx)}
_WEB_ADDRESS = re.compile(r"^(?:https?|ftp):/", re.IGNORECASE)


@dataclass(frozen=True)
class Article:
    """One source file. ``doc_id`` is the file name, stable across re-ingests."""

    doc_id: str
    path: Path
    raw: str  # what is indexed and what citations index: the file's text, or a saved page's extracted article
    outlet: str
    date: str
    title: str = ""  # stated by front matter, a sidecar or the page; "" lets the chunker find it in the clean text

    @property
    def folder(self) -> str:
        return str(self.path.parent.resolve())


def find_article_files(paths: Iterable[Path]) -> tuple[list[Path], list[str]]:
    """Expand folders into article files; return (files, problems)."""
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if _WEB_ADDRESS.match(str(path)):
            raise RagError(
                f"{path} is a web address: rag reads saved files and never goes online", "save the page in your browser (Web page, HTML only) and ingest the .html file"
            )
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


def article_text(name: str, data: bytes) -> tuple[str, Metadata | None]:
    """(the text that is stored and cited, the metadata the file itself states or None); `RagError` if unusable.

    The one check for files on disk and browser uploads, so both refuse the same inputs with the same words.
    """
    suffix = Path(name).suffix.lower()
    if suffix in _DOCUMENTS:
        return _DOCUMENTS[suffix](name, data)
    raw = decode_article(name, data)
    if suffix in HTML_SUFFIXES:
        return extract_page(name, raw)
    return raw, None


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
    raw, page = article_text(path.name, data)
    if page is not None:
        stated, signals = sidecar(path), read_metadata(raw, None)
        found = Metadata(
            stated.get("title") or page.title,
            stated.get("outlet") or page.outlet or signals.outlet,
            # the date the page states before the file's own: a PDF's or DOCX's creation date says when the file was
            # made (the day a browser printed it), and is kept only when the page states none and it is not later
            # than today
            stated.get("date") or (signals.date or _not_later_than_today(page.date) if _file_dated(path) else page.date or signals.date),
        )
    else:
        found = read_metadata(raw, path)
        found = Metadata(found.title if _stated_title(raw, path) else "", found.outlet, found.date)
    return Article(doc_id=path.name, path=path, raw=raw, outlet=found.outlet, date=found.date, title=found.title)


def _file_dated(path: Path) -> bool:
    """A PDF or DOCX: the date its metadata gives is the file's (a web page's is the article's, as the page states it)."""
    return path.suffix.lower() in _DOCUMENTS


def _not_later_than_today(iso: str) -> str:
    return iso if iso and iso <= date.today().isoformat() else ""


def _stated_title(raw: str, path: Path) -> bool:
    """The title is stated (front matter, sidecar): else it is found in the clean text, after repairs."""
    return "title" in front_matter(raw)[0] or "title" in sidecar(path)
