"""PDF articles: the text a reader sees on the pages, in reading order, and the document's own metadata.

pdfplumber (on pdfminer.six) gives every word with its box; `bench/pdf_extract.py`
measured it against pypdf, pypdfium2 and pymupdf on made e-paper pages: each of
them reads the stream order, so a page whose columns are written line by line
interleaved comes out crossing columns, and none both orders columns and drops
page furniture. pdfplumber is MIT-licensed, pure Python and small (pymupdf, the
one with built-in de-hyphenation, is AGPL and a 69 MB wheel). What none of them
does is hand-written here and in `rag.ingest.layout`: words into lines, columns
into reading order, paragraphs, hyphens at line ends, repeated headers/footers.

The extracted text — paragraphs, blank lines between — is what is stored,
indexed and cited, as for a saved web page: `doc_id:start-end` indexes it and
`rag show` prints it.
"""

from __future__ import annotations

import io
import re
from datetime import datetime

from rag.errors import RagError
from rag.ingest.layout import Line, Page, drop_furniture, join_hyphens, masthead, printed_from_browser, reading_order, repeated_margin_lines
from rag.ingest.metadata import Metadata
from rag.text.dates import first_date

PDF_SUFFIXES = (".pdf",)
MIN_WORDS = 10  # fewer words on every page is a scan, a form or a cover, not an article
_PLACEHOLDER_TITLE = re.compile(r"^(?:untitled|microsoft (?:word|powerpoint) - .*|.*\.(?:docx?|indd|pdf|qxp))$", re.IGNORECASE)
_PDF_DATE = re.compile(r"^D?:?(\d{4})(\d{2})(\d{2})")


def extract_pdf(name: str, data: bytes) -> tuple[str, Metadata]:
    """(article text, metadata) of one PDF; `RagError` when it is locked, broken or has no text layer."""
    pages, info = _read_pages(name, data)
    if sum(len(line.text.split()) for page in pages for line in page.lines) < MIN_WORDS:
        raise RagError(
            f"{name}: no text layer (a scanned or image-only PDF); rag does no OCR",
            "export the article as a PDF with text, or save its text as a .txt file",
        )
    repeated = repeated_margin_lines(pages)
    outlet = masthead(pages, repeated)
    # a browser's print: its title is the web page's <title> ("Headline - Outlet"), its date the day it was printed;
    # the headline and the date are read from what the page says (rag.ingest.load)
    printed = _text(info.get("Title")) if printed_from_browser(pages) else None
    paragraphs = join_hyphens([p for page in drop_furniture(pages, repeated, printed) for p in reading_order(page)])
    title = "" if printed is not None else _info_title(info)
    return "\n\n".join(paragraphs) + "\n", Metadata(title, _text(info.get("Publisher")) or outlet, _info_date(info))


def _read_pages(name: str, data: bytes) -> tuple[list[Page], dict]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [Page(float(page.width), float(page.height), _lines(page.extract_words(extra_attrs=["size"]))) for page in pdf.pages]
            return pages, dict(pdf.metadata or {})
    except Exception as exc:  # pdfminer raises many types on a broken file, and pdfplumber wraps some: one clear line, never a traceback
        if isinstance(exc, PDFPasswordIncorrect) or any(isinstance(arg, PDFPasswordIncorrect) for arg in exc.args):
            raise RagError(f"{name}: the PDF is encrypted (a password is needed to open it)", "save an unlocked copy and ingest that") from exc
        raise RagError(f"{name}: not a readable PDF ({type(exc).__name__})") from exc


def _lines(words: list[dict]) -> list[Line]:
    """Words into line pieces: one row of words, split where the gap is wider than a column gutter would be.

    pdfplumber's own text lines run across the gutter (a row of the left column
    and a row of the right become one line), so rows are split here by the gap.
    """
    lines: list[Line] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        size = float(word.get("size") or (word["bottom"] - word["top"]))
        last = lines[-1] if lines else None
        same_row = last is not None and abs(last.top - word["top"]) <= size * 0.35
        if same_row and 0 <= word["x0"] - last.x1 <= size * 1.2:
            lines[-1] = Line(f"{last.text} {word['text']}", last.x0, float(word["x1"]), last.top, max(last.bottom, float(word["bottom"])), last.size)
        else:
            lines.append(Line(word["text"], float(word["x0"]), float(word["x1"]), float(word["top"]), float(word["bottom"]), size))
    return lines


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return " ".join(str(value or "").split())


def _info_title(info: dict) -> str:
    """The document-info title, unless it is a file name or a program's placeholder."""
    title = _text(info.get("Title"))
    return "" if not title or _PLACEHOLDER_TITLE.match(title) else title


def _info_date(info: dict) -> str:
    """The creation date, ``D:YYYYMMDD…`` in PDF's format; "" when absent or not a date."""
    stated = _text(info.get("CreationDate"))
    found = _PDF_DATE.match(stated)
    try:
        return datetime(int(found[1]), int(found[2]), int(found[3])).date().isoformat() if found else first_date(stated) or ""
    except ValueError:
        return ""
