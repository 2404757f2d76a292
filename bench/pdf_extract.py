"""Which PDF library reads a news page right: measured on the made pages of `tests.documents`, four libraries.

For each library (in the modes it offers for reading order) on the same two-column,
two-page article, written once column by column and once with the columns' lines
interleaved in the content stream:

- sentences: the share of the body's sentences found whole, in order, in the
  extraction (whitespace folded) — a reading order that crosses columns breaks them;
- hyphen: whether the word hyphenated across a line end comes back whole;
- furniture: running headers and page numbers left in the text (two pages: 4 lines);
- ms/page: extraction time, the mean of 5 runs after one untimed (imports excluded).

Run: python -m bench.pdf_extract  (writes its section of bench/RESULTS.md)
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

from bench.check import write_section
from tests.documents import ferry_article, news_pdf

REPEATS = 5


def _pypdf(data: bytes, mode: str = "plain") -> str:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text(extraction_mode=mode) for page in reader.pages)


def _pdfplumber(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _pypdfium2(data: bytes) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in pdf)


def _pymupdf(data: bytes, sort: bool) -> str:
    import pymupdf

    with pymupdf.open(stream=data, filetype="pdf") as pdf:
        return "\n".join(page.get_text("text", sort=sort, flags=pymupdf.TEXT_DEHYPHENATE | pymupdf.TEXT_PRESERVE_WHITESPACE) for page in pdf)


def _rag_pdf(data: bytes) -> str:
    """pdfplumber's words, read column by column with paragraphs and hyphens mended (rag.ingest.layout)."""
    from rag.ingest.pdf import extract_pdf

    return extract_pdf("bench.pdf", data)[0]


LIBRARIES = {
    "pypdf (plain)": lambda d: _pypdf(d),
    "pypdf (layout)": lambda d: _pypdf(d, "layout"),
    "pdfplumber": _pdfplumber,
    "pypdfium2": _pypdfium2,
    "pymupdf (stream)": lambda d: _pymupdf(d, False),
    "pymupdf (sort)": lambda d: _pymupdf(d, True),
    "rag.ingest.pdf (pdfplumber words, columns by gutter)": _rag_pdf,
}


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def score(text: str, sentences: list[str], hyphenated: str) -> tuple[float, bool]:
    folded, at, found = _fold(text), 0, 0
    for sentence in sentences:
        where = folded.find(sentence, at)
        if where >= 0:
            found, at = found + 1, where + len(sentence)
    return found / len(sentences), hyphenated in folded


def main() -> None:
    doc = ferry_article()
    sentences = [s for p in doc.paragraphs for s in re.split(r"(?<=\.) ", p)]
    files = {"columns in stream order": news_pdf(doc), "columns interleaved": news_pdf(doc, interleaved=True)}
    rows = ["| library | layout | sentences whole, in order | hyphenated word whole | furniture | ms/page |", "|---|---|---|---|---|---|"]
    for name, read in LIBRARIES.items():
        for layout, data in files.items():
            try:
                read(data)  # once untimed: imports and first-call set-up are not a page's cost
            except ImportError as exc:
                rows.append(f"| {name} | {layout} | not installed ({exc.name}) | | | |")
                continue
            start = time.perf_counter()
            for _ in range(REPEATS):
                text = read(data)
            ms = (time.perf_counter() - start) * 1000 / (2 * REPEATS)
            share, whole = score(text, sentences, doc.hyphenate)
            furniture = len(re.findall(rf"{doc.header}|\bPage \d\b", text))
            rows.append(f"| {name} | {layout} | {share:.2f} | {'yes' if whole else 'no'} | {furniture} | {ms:.1f} |")
    print("\n".join(rows))
    intro = " ".join(__doc__.split("\n\n")[0].split())
    write_section([intro, "", *rows], Path(__file__).with_name("RESULTS.md"), "## PDF text extraction")


if __name__ == "__main__":
    main()
