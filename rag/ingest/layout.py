"""Positioned lines of a page into the text a reader reads: columns in order, paragraphs, hyphens, no furniture.

Hand-written: the PDF libraries give words with boxes in content-stream order
(see `rag.ingest.pdf`); none orders a page's columns, finds its paragraphs,
mends words hyphenated across line ends and drops what every page repeats.
Nothing here knows a layout: columns are the vertical channels most lines
leave empty, paragraphs the gaps wider than the column's own line pitch,
furniture what recurs in the top or bottom margin of several pages.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

NARROW = 0.55  # a line narrower than this share of the text width can sit in a column
CHANNEL_MIN = 0.015  # a gutter is at least this share of the text width
CHANNEL_NOISE = 0.05  # a gutter may be crossed by this share of the narrow lines (a centred caption)
MARGIN_ZONE = 0.1  # the top and bottom tenth of a page, where running headers and footers sit
CUT_BODY_WORDS = 20  # a paragraph this long that stops mid-sentence goes on in the next column or page
PARAGRAPH_GAP = 1.5  # a gap this many times the column's line pitch starts a paragraph
_PAGE_NUMBER = re.compile(r"^(?:[-–— ]*(?:page|p\.|seite|pg\.?)?\s*#+(?:\s*(?:of|/)\s*#+)?[-–— ]*)$", re.IGNORECASE)
# a browser's print header or footer: the time it was printed, in the locale's short form, or the page's address
_PRINT_MARK = re.compile(r"^(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4},?\s+\d{1,2}:\d{2}(?:\s*[AaPp]\.?[Mm]\.?)?|(?:https?|file)://\S+|www\.\S+)$")
_ENDS_SENTENCE = re.compile(r"[.!?:;\"”’)]\s*$")
_SPLIT_HEADER = re.compile(r"\s*(?:\||·|•|—|–|\s-\s)\s*")
_NOT_A_NAME = re.compile(r"\d|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|page|edition|draft|confidential|embargo\w*)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    """One run of words on one row of a page, with its box (PDF points, top-down)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


@dataclass
class Page:
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)


def _words(line: Line) -> str:
    """A line's words with numbers blanked: what a running header or footer keeps from page to page."""
    return re.sub(r"\d", "#", " ".join(line.text.lower().split()))


def _key(line: Line) -> tuple[int, str]:
    """A margin line as pages repeat it: its words and its type size (a headline repeated small in the next pages'
    running header is still the headline on its own page)."""
    return round(line.size), _words(line)


def _in_margin(line: Line, page: Page) -> bool:
    return line.bottom < page.height * MARGIN_ZONE or line.top > page.height * (1 - MARGIN_ZONE)


def repeated_margin_lines(pages: list[Page]) -> set[tuple[int, str]]:
    """Keys of margin lines found on at least two pages (and on half of them, for a long document)."""
    seen = Counter(key for page in pages for key in {_key(line) for line in page.lines if _in_margin(line, page)})
    need = max(2, len(pages) // 2)
    return {key for key, n in seen.items() if n >= need}


def printed_from_browser(pages: list[Page]) -> bool:
    """Whether a browser printed the page ("Print to PDF" with headers and footers): a margin line that is a print
    time ("12/5/26, 2:59 PM") or an address ("https://…", "file:///…")."""
    return any(_in_margin(line, page) and _PRINT_MARK.match(line.text.strip()) for page in pages for line in page.lines)


def drop_furniture(pages: list[Page], repeated: set[tuple[int, str]], printed: str | None = None) -> list[Page]:
    """The pages without the ``repeated`` running headers and footers, and without page numbers; when a browser
    printed them (``printed``: the document's title, as `printed_from_browser` found), without its print headers and
    footers too: the print time, the address, the page count and that title (a one-page print repeats nothing, so
    these are known by their form)."""
    kept = []
    for page in pages:
        lines = [
            line
            for line in page.lines
            if not (_in_margin(line, page) and (_key(line) in repeated or _PAGE_NUMBER.match(_words(line)) or (printed is not None and _print_furniture(line, printed))))
        ]
        kept.append(Page(page.width, page.height, lines))
    return kept


def _print_furniture(line: Line, title: str) -> bool:
    text = " ".join(line.text.split())
    return bool(_PRINT_MARK.match(text)) or (bool(title) and text == " ".join(title.split()))


def masthead(pages: list[Page], repeated: set[tuple[int, str]]) -> str:
    """The outlet a ``repeated`` running header names: its part that is no date, page or edition ("THE LEDGER | Tuesday…")."""
    for line in pages[0].lines if pages else []:
        if line.top < pages[0].height * MARGIN_ZONE and _key(line) in repeated:
            outlet = header_outlet(line.text)
            if outlet:
                return outlet
    return ""


def header_outlet(text: str) -> str:
    """The part of a running header that names the outlet: no date, page, edition or draft marking, six words at most."""
    for part in _SPLIT_HEADER.split(text.strip()):
        if part and not _NOT_A_NAME.search(part) and len(part.split()) <= 6:
            return part.title() if part.isupper() else part
    return ""


def _channels(lines: list[Line], left: float, right: float) -> list[tuple[float, float]]:
    """Vertical gutters: runs of x that (almost) no narrow line covers, inside the text area."""
    width = right - left
    narrow = [line for line in lines if line.x1 - line.x0 < NARROW * width]
    if len(narrow) < 4:
        return []
    bins = [0] * (int(width) + 1)
    for line in narrow:
        for x in range(int(line.x0 - left), int(line.x1 - left) + 1):
            bins[min(x, len(bins) - 1)] += 1
    limit = CHANNEL_NOISE * len(narrow)
    channels, start = [], None
    for x, count in enumerate(bins):
        if count <= limit and start is None:
            start = x
        elif count > limit and start is not None:
            if x - start >= CHANNEL_MIN * width and start > 0:
                channels.append((left + start, left + x))
            start = None
    return channels


def _column(line: Line, channels: list[tuple[float, float]]) -> int | None:
    """Which column a line sits in; None when it crosses a gutter (a headline, a full-width caption)."""
    for i, (start, end) in enumerate(channels):
        if line.x0 < start and line.x1 > end:
            return None
        if (line.x0 + line.x1) / 2 < (start + end) / 2:
            return i
    return len(channels)


def reading_order(page: Page) -> list[str]:
    """The page's paragraphs in reading order; a paragraph's lines joined by newlines (hyphens mended later).

    Lines that cross a gutter (a headline, a standfirst) are read in runs, so a headline set on two lines is one
    paragraph; the column lines between two such runs are read column by column."""
    if not page.lines:
        return []
    lines = sorted(page.lines, key=lambda line: (line.top, line.x0))
    channels = _channels(lines, min(line.x0 for line in lines), max(line.x1 for line in lines))
    spans = []  # whether each line belongs to a run across the gutters: it crosses one, or ends the line above that does
    for i, line in enumerate(lines):
        above = lines[i - 1] if i else None
        continues = above is not None and spans[-1] and _same_type(above, line) and line.top - above.bottom < 0.8 * above.size
        spans.append(_column(line, channels) is None or continues)
    paragraphs: list[str] = []
    for spanning, run in itertools.groupby(zip(lines, spans, strict=True), key=lambda pair: pair[1]):
        segment = [line for line, _ in run]
        if spanning:
            paragraphs.extend(_paragraphs(segment))
            continue
        for col in sorted({_column(item, channels) for item in segment}):
            paragraphs.extend(_paragraphs([item for item in segment if _column(item, channels) == col]))
    return paragraphs


def _same_type(a: Line, b: Line) -> bool:
    return abs(a.size - b.size) <= 0.15 * a.size


def _paragraphs(lines: list[Line]) -> list[str]:
    """One column's lines into paragraphs: a gap wider than its usual line pitch, or a change of type size."""
    steps = [b.top - a.top for a, b in itertools.pairwise(lines) if b.top > a.top]
    pitch = statistics.median(steps) if steps else 0.0
    paragraphs: list[list[str]] = []
    for i, line in enumerate(lines):
        prev = lines[i - 1] if i else None
        new = prev is None or line.top - prev.top > PARAGRAPH_GAP * pitch or not _same_type(prev, line)
        if new:
            paragraphs.append([line.text])
        else:
            paragraphs[-1].append(line.text)
    return ["\n".join(p) for p in paragraphs]


def join_hyphens(paragraphs: list[str]) -> list[str]:
    """Paragraphs with their lines joined; a paragraph cut by a column or page end joined to its rest.

    A word broken at a line end ("inter-" / "connection") is mended without its
    hyphen, unless the document writes it with one elsewhere ("two-year") or the
    rest begins with a capital or a digit ("Indo-" / "Pacific").
    """
    words = Counter(w.lower() for p in paragraphs for w in re.findall(r"[\w’'-]+", p))
    merged: list[str] = []
    for paragraph in paragraphs:
        # cut mid-sentence: a lower-case rest, or a body paragraph's rest at the top of the next column or page
        cut = (
            merged
            and not _ENDS_SENTENCE.search(merged[-1])
            and (re.match(r"^[a-z]", paragraph) or (len(merged[-1].split()) >= CUT_BODY_WORDS and re.match(r"^\w", paragraph)))
        )
        if cut:
            merged[-1] = f"{merged[-1]}\n{paragraph}"
        else:
            merged.append(paragraph)

    def mend(match: re.Match[str]) -> str:
        head, tail = match[1], match[2]
        keep = f"{head}-{tail}".lower() in words or not tail[0].islower() or head[-1].isdigit()
        return f"{head}-{tail}" if keep else f"{head}{tail}"

    out = []
    for paragraph in merged:
        paragraph = re.sub(r"(\w+)-\n(\w+)", mend, paragraph)
        out.append(" ".join(paragraph.split()))
    return [p for p in out if p]
