"""An article's headline from the top of its page: a Markdown heading, else the piece the line classifier
(`rag.ingest.lines`) calls the headline, mended by how pages are laid out (a headline stated twice, a motto under the
masthead, a kicker and a standfirst around the headline), else the body's first words.

Hand-written: trafilatura does this for HTML pages (`rag.ingest.html`); no library in the stack reads it from plain
text.
"""

from __future__ import annotations

import re

from rag.ingest.clean import is_chrome
from rag.ingest.furniture import BREADCRUMB, NOT_A_TITLE, is_furniture, section_words
from rag.ingest.lines import Piece, Read, classify

TITLE_MAX_WORDS = 25
TITLE_MIN_WORDS = 2  # a one-word piece above the headline is a label ("Housing"), even when the body repeats it
FALLBACK_TITLE_WORDS = 12
RIVAL_MARGIN = 0.1  # a display line lower down this nearly as headline-like as a motto under the masthead is the headline
STANDFIRST_MIN_WORDS = 10  # a display line this long under a shorter one is its standfirst
REPEATED_MIN_WORDS = 3  # a piece this long stated on two lines of the top is the headline
SHAPED_FLOOR = 0.2  # with no display line, a title-shaped line at least this headline- or subhead-like is the headline
KICKER_MAX_WORDS = 3  # a lone label this short over a headline is its kicker ("Traffic", "Essay")
HEADLINE_FLOOR = 0.3  # a piece less likely than this to be the headline is never the title
_TITLE_LABEL = re.compile(r"^(?:subject|title|headline)\s*:\s*", re.IGNORECASE)  # an e-mail's "Subject: …" line
_DATELINE_PREFIX = re.compile(r"^[A-Z]{2,}[A-Z ,.]*(?:\([^)]*\)\s*|[:–—-]\s*)")


def starts_like_a_title(text: str) -> bool:
    """A capital or a digit first, past an opening quote ("'We were never told': tenants speak out")."""
    first = text.lstrip("'\"‘“«")[:1]
    return first.isupper() or first.isdigit()


def find_title(text: str, read: Read | None = None) -> str:
    """A Markdown heading, else the piece of the page's top the line classifier calls the headline, else the body's first words."""
    lines = text.splitlines()
    heading = next((line.lstrip("#").strip() for line in lines if re.match(r"^#\s+\S", line)), "")
    if heading:
        return heading
    read = classify(text) if read is None else read
    twice = _stated_twice(read)
    if twice:
        return twice
    headline = _headline(read)
    if headline is not None and len(headline.text.split()) <= TITLE_MAX_WORDS:
        return _TITLE_LABEL.sub("", headline.text)
    first_line = next((line for line in lines if line.strip() and not is_furniture(line)), "")
    words = _DATELINE_PREFIX.sub("", first_line.strip()).split()
    return " ".join(words[:FALLBACK_TITLE_WORDS]) + ("…" if len(words) > FALLBACK_TITLE_WORDS else "")


def _headline(read: Read) -> Piece | None:
    """The headline piece, from the pieces read as display lines, mended by layout."""
    # the most headline-like of the pieces read as headline or subhead: a headline and its subhead are told apart by
    # which is more headline-like, not by each one's own narrow margin (0.50 headline, 0.49 subhead)
    display = [
        (piece, p)
        for piece, p in read
        if starts_like_a_title(piece.text)
        and len(piece.text.split()) >= TITLE_MIN_WORDS
        and p["headline"] + p["subhead"] >= max(p.values())
        and not NOT_A_TITLE.match(piece.text)
        and len(BREADCRUMB.findall(piece.text)) < 2
    ]
    display = [(piece, p) for piece, p in display if not _tagline(piece, p, display, read)]
    best = max(display, key=lambda pair: pair[1]["headline"], default=None)
    headline = best[0] if best is not None and best[1]["headline"] >= HEADLINE_FLOOR and not is_chrome(best[0].text) else None
    headline = _above_its_standfirst(headline, display, read)
    if headline is None:  # no headline-like line: a short display line standing over its standfirst is the headline
        headline = next((above for piece, _ in display if (above := _above_its_standfirst(piece, display, read)) is not piece), None)
    sole = display[0][0] if len(display) == 1 else None
    if headline is None and sole is not None and not sole.text.rstrip().endswith(".") and not is_chrome(sole.text):
        headline = sole  # the page's one display line, read as a standfirst, is its headline (a blog post's); a sentence is a lede
    return headline or _title_shaped(read)


def _title_shaped(read: Read) -> Piece | None:
    """With no display line: the most headline-like line shaped as a title, if any is even a little so."""
    shaped = [(p["headline"] + p["subhead"], piece) for piece, p in read if p["headline"] + p["subhead"] >= SHAPED_FLOOR and _title_shaped_text(piece.text)]
    return max(shaped, key=lambda pair: pair[0])[1] if shaped else None


def _title_shaped_text(text: str, min_words: int = TITLE_MIN_WORDS) -> bool:
    """Words enough, a capital first, no full stop at the end (a caption or a lede is a sentence), no furniture and not
    a section label: a line that could be a headline, whatever the classifier calls it."""
    return len(text.split()) >= min_words and starts_like_a_title(text) and not text.rstrip().endswith(".") and not is_furniture(text) and not section_words(text)


def _kicker(piece: Piece, p: dict[str, float]) -> bool:
    return len(piece.text.split()) <= KICKER_MAX_WORDS and max(p, key=p.get) in ("section", "navigation")


def _stated_twice(read: Read) -> str:
    """A title-shaped piece the top states on two lines: a saved page's title line and its heading say the headline
    twice ("Ferry fares to rise 12% from April | The Gullhaven Courier" … "Ferry fares to rise 12% from April")."""
    lines: dict[str, set[int]] = {}
    for piece, _ in read:
        lines.setdefault(_TITLE_LABEL.sub("", piece.text.strip()), set()).add(piece.line)
    # a photo's caption, repeated under the picture, is a sentence: not title-shaped
    return next((text for text, where in lines.items() if len(where) >= 2 and len(text.split()) <= TITLE_MAX_WORDS and _title_shaped_text(text, REPEATED_MIN_WORDS)), "")


def _tagline(piece: Piece, p: dict[str, float], display: Read, read: Read) -> bool:
    """A line right under the masthead, parted by furniture (weather, a date, a section) from a display line as
    headline-like lower down, is the paper's motto ("Serving Orrin Parish since 1902"), not its headline."""
    under_masthead = any(q.line == piece.line - 1 and max(qp, key=qp.get) == "masthead" for q, qp in read)
    parted = not any(q.line == piece.line + 1 for q, _ in display)
    rival = any(q.line > piece.line + 1 and qp["headline"] >= p["headline"] - RIVAL_MARGIN for q, qp in display)
    return under_masthead and parted and rival


def _above_its_standfirst(chosen: Piece | None, display: Read, read: Read) -> Piece | None:
    """The display line right above the chosen one, when the chosen one reads as its standfirst: a headline stands
    above the longer sentence that explains it ("Otters return to the Brannock" over "Camera traps on the upper river
    have recorded…"), however headline-like the classifier finds each of the two."""
    if chosen is None or len(chosen.text.split()) < STANDFIRST_MIN_WORDS or any(piece.line == chosen.line + 1 for piece, _ in display):
        return chosen  # short, or a display line below it: its own standfirst
    if chosen.pieces != 1:  # each of the lines here stands alone on its line
        return chosen
    above = [piece for piece, _ in display if piece.line == chosen.line - 1 and piece.pieces == 1]
    # a headline the classifier calls something else, under its kicker ("Traffic" / "Bridge reopens" / a standfirst)
    kicked = [
        piece
        for piece, _ in read
        if piece.line == chosen.line - 1
        and piece.pieces == 1
        and _title_shaped_text(piece.text)
        and any(q.line == piece.line - 1 and q.pieces == 1 and _kicker(q, qp) for q, qp in read)
    ]
    for piece in above or kicked:
        if len(piece.text.split()) < len(chosen.text.split()) and not piece.text.rstrip().endswith(".") and not is_chrome(piece.text):
            return piece
    return chosen
