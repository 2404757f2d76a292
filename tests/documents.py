"""PDF and DOCX articles made here, for the tests and the extractor benchmark: no file is checked in.

`news_pdf` lays every line out by hand (fpdf2), so each hard case of a real
e-paper page is there on purpose and known: two columns, a running header and a
page-number footer on every page, a word hyphenated across a line end, the
document-info metadata, and — with ``interleaved`` — a content stream that
writes the columns' lines alternately, as some layout programs do, so an
extractor that follows the stream instead of the page reads across columns.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

PAGE_W, PAGE_H, MARGIN, GUTTER = 210.0, 297.0, 15.0, 8.0
LINE_MM = 5.2


@dataclass
class NewsDocument:
    """What a made document says, to check an extraction against."""

    title: str
    outlet: str
    date: str  # ISO
    author: str
    paragraphs: list[str]
    header: str = "THE HARBOUR LEDGER"
    hyphenate: str = ""  # a word of the body to break across a line end, "inter-" / "national"
    meta: dict = field(default_factory=dict)


def ferry_article() -> NewsDocument:
    """An invented article, long enough for two columns on two pages."""
    body = [
        "The regional transport board approved a new ferry route between Port Alder and Kestrel Island on Tuesday, "
        "ending a two-year dispute over docking fees with the island council.",
        "Under the agreement the board will run four crossings a day from March, and the council will waive its "
        "landing charge for the first three years. Board chair Miriam Osei said the route would cut the journey "
        "from ninety minutes by road to twenty-five minutes by water.",
        "The service will use two electric vessels built by the Halvard shipyard, each carrying 180 passengers and "
        "twelve cars. The shipyard said the first vessel would be delivered in February after sea trials.",
        "Island businesses welcomed the decision. The chamber of commerce estimated that weekend visitors could "
        "rise by a third, and the interconnection with the mainland rail timetable was the chamber's main request.",
        "Critics on the council said the landing waiver would cost the island 2.4 million crowns over three years. "
        "Councillor Petra Lund voted against the deal and asked for an independent review of the fare levels.",
        "The board said fares would be set in January. A single adult crossing is expected to cost less than the "
        "current bus ticket, and residents of the island will receive a discount card.",
        "Work on the new pier at Kestrel Island began last month and is due to finish before the first crossing. "
        "The contractor, Brenner Marine, said the piling was ahead of schedule despite the autumn storms.",
        "The transport board will publish the full timetable in February, together with the results of a survey of island residents on the preferred departure times.",
    ]
    return NewsDocument(
        title="Ferry route to Kestrel Island approved after two-year dispute",
        outlet="The Harbour Ledger",
        date="2025-10-14",
        author="Jonas Brekke",
        paragraphs=body,
        hyphenate="interconnection",
    )


def _wrap(pdf, words: list[str], width: float, hyphenate: str) -> list[str]:
    """Greedy line breaking at ``width`` mm; ``hyphenate`` is broken with a hyphen at the line end it reaches."""
    lines, line = [], ""
    for word in words:
        if hyphenate and word.strip(".,") == hyphenate:  # always broken, as a justified column would break it
            cut = len(hyphenate) // 2
            head = f"{line} {word[:cut]}-".strip()
            if pdf.get_string_width(head) > width:
                lines.append(line)
                head = f"{word[:cut]}-"
            lines.append(head)
            line = word[cut:]
            continue
        trial = f"{line} {word}".strip()
        if pdf.get_string_width(trial) <= width:
            line = trial
            continue
        lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def news_pdf(doc: NewsDocument, *, interleaved: bool = False, metadata: bool = True) -> bytes:
    """A two-column article PDF with a running header and page numbers on every page."""
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    if metadata:
        pdf.set_title(doc.title)
        pdf.set_author(doc.author)
        pdf.set_creator(doc.outlet)
        pdf.set_subject(doc.outlet)
        pdf.set_creation_date(__import__("datetime").datetime.fromisoformat(doc.date + "T09:30:00+00:00"))
    col_w = (PAGE_W - 2 * MARGIN - GUTTER) / 2
    pdf.set_font("Helvetica", size=10)
    lines: list[str] = []
    for paragraph in doc.paragraphs:
        lines.extend(_wrap(pdf, paragraph.split(), col_w, doc.hyphenate))
        lines.append("")  # a blank line between paragraphs
    page_no = 0
    while lines:
        page_no += 1
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.text(MARGIN, 10, f"{doc.header}  |  Tuesday, October 14, 2025")  # the running header
        pdf.text(PAGE_W / 2 - 3, PAGE_H - 8, f"Page {page_no}")  # the page-number footer
        top = 22.0
        if page_no == 1:
            pdf.set_font("Helvetica", style="B", size=18)
            pdf.text(MARGIN, 24, doc.title if len(doc.title) < 62 else doc.title[:62])
            if len(doc.title) >= 62:
                pdf.text(MARGIN, 32, doc.title[62:].strip())
            pdf.set_font("Helvetica", size=9)
            pdf.text(MARGIN, 42, f"By {doc.author}  ·  October 14, 2025")
            top = 52.0
        pdf.set_font("Helvetica", size=10)
        rows = int((PAGE_H - 22 - top) // LINE_MM) if page_no > 1 else 18  # a photograph fills page 1's lower half
        left, right = lines[:rows], lines[rows : 2 * rows]
        lines = lines[2 * rows :]
        placed = [(0, i, t) for i, t in enumerate(left)] + [(1, i, t) for i, t in enumerate(right)]
        if interleaved:
            placed.sort(key=lambda p: (p[1], p[0]))
        for col, row, text in placed:
            if text:
                pdf.text(MARGIN + col * (col_w + GUTTER), top + row * LINE_MM, text)
    data = bytes(pdf.output())
    return data if metadata else _without_info(data)


def _without_info(data: bytes) -> bytes:
    """The PDF with no document-info dictionary (fpdf2 always writes a creation date)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.metadata = None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A page that is only a picture of text: no text layer to extract."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 800), "white")
    draw = ImageDraw.Draw(image)
    for row in range(20):
        draw.text((40, 40 + row * 30), "A scanned line of newsprint that has no text layer at all", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(buffer.getvalue()), x=10, y=10, w=190)
    return bytes(pdf.output())


def encrypted_pdf(doc: NewsDocument) -> bytes:
    """The article PDF locked with a user password."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(news_pdf(doc))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def news_docx(doc: NewsDocument, *, properties: bool = True) -> bytes:
    """A Word article: the headline as a Heading, a byline, the body, a running header and a page-number footer."""
    import docx

    document = docx.Document()
    if properties:
        core = document.core_properties
        core.title, core.author, core.subject = doc.title, doc.author, doc.outlet
        core.created = __import__("datetime").datetime.fromisoformat(doc.date + "T09:30:00")
    section = document.sections[0]
    section.header.paragraphs[0].text = doc.header
    section.footer.paragraphs[0].text = "Page 1"
    document.add_heading(doc.title, level=1)
    document.add_paragraph(f"By {doc.author}")
    for paragraph in doc.paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
