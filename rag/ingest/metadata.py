"""An article's title, outlet and date, read from signals any news file shows — never from one site's layout.

Stated metadata wins: a `NAME.meta.json` sidecar, then YAML front matter
(`title:`, `outlet:`/`source:`/`publisher:`/`site:`, `date:`). Otherwise the
line classifier (`rag.ingest.lines`) reads the page's top, and:

- title: `rag.ingest.page_title` (a Markdown `# ` heading, else the piece the
  classifier calls the headline, mended by layout, else the body's first words);
- outlet: an explicit statement ("Published in X", "Source: X",
  "Published: <date> — X", "(X — <date>)", a byline "By <name> | X | <date>",
  "X.com Published …", "Via X", "X's daily briefing", "newsletter from X",
  "/X Newswire/ --"), else the page's title line ("<headline> | X"), else a
  date stamp whose other words are a name ("X, <date>"), else the piece called
  the masthead (or a name beside the date on the first line: a printed
  header), else a short name beside the menu, else a closing "Follow X on …",
  a copyright line, a photo credit "(name/X)" or a wire dateline's agency;
- date: a "date"/"Published" stamp, else the first date in a piece called a date
  stamp, byline, masthead or label (never a "Printed on"/"Accessed" stamp), else a dateline "CITY, Mon DD:" with the
  year from the file's first full date (or the latest year it names), else the
  first full date stated.

Hand-written: trafilatura does this for HTML pages (`rag.ingest.html`); no
library in the stack reads it from plain text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from rag.ingest.clean import is_chrome
from rag.ingest.furniture import PRESS_WORDS, is_date_stamp, is_furniture, section_words
from rag.ingest.lines import Piece, Read, classify
from rag.ingest.page_title import find_title, starts_like_a_title
from rag.text.dates import DATE_PATTERN, MONTHS, WEEKDAY_NAMES, first_date, to_iso

BODY_MIN_WORDS = 30
MASTHEAD_FLOOR = 0.35
DATE_FLOOR = 0.5  # a date in a piece this likely to be a stamp, byline, masthead or label line is the article's date
MASTHEAD_MAX_WORDS = 5
BRAND_LINES = 3  # a site's name beside its menu is on one of the page's first lines…
MENU_REACH = 2  # …above its menu by at most this many lines (an edition line may stand between), or right below it
SITE_SEPARATOR = r"\s*(?:\||-|–|—|·|::)\s*"  # between a headline and the site's name in a page's <title>
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?\n)---[ \t]*(?:\n|\Z)", re.S)
_FRONT_KEYS = {"title": "title", "outlet": "outlet", "source": "outlet", "publisher": "outlet", "site": "outlet", "site_name": "outlet", "date": "date"}
_OUTLET = r"([A-Z][\w.&'’ -]{1,40}?)"
_OUTLET_PATTERNS = (
    re.compile(rf"\bPublished in {_OUTLET}(?:,|\s*$)", re.MULTILINE),
    re.compile(rf"^\s*(?:Source|Courtesy|Outlet)\s*:\s*{_OUTLET}\s*(?:,|$)", re.MULTILINE | re.IGNORECASE),
    re.compile(rf"^From:\s*{_OUTLET}\s*<[^>\n]+@", re.MULTILINE),  # a newsletter's sender: "From: The Saltmarsh Letter <hello@…>"
    re.compile(rf"^\s*Published\s*:?[^\n]*?[—–-]\s*{_OUTLET}\s*$", re.MULTILINE),
    re.compile(rf"\(\s*{_OUTLET}\s*(?:/[^)\n]*?)?\s*[—–-]\s*[^)\n]*\d[^)\n]*\)"),
    re.compile(rf"^\s*By [^|\n]+\|\s*{_OUTLET}\s*(?:\||$)", re.MULTILINE),
    re.compile(rf"^\s*{_OUTLET}\.com\s+Published\b", re.MULTILINE),
    re.compile(rf"^\s*Via\s+{_OUTLET}\s*$", re.MULTILINE),  # a repost: "Via The Wendle Valley Chronicle"
    # a newsletter says whose it is: "…, Southreach's weekday briefing", "the weekly newsletter from The Ormsby Review."
    re.compile(rf"\b{_OUTLET}['’]s\s+(?:[a-z]+\s+){{0,2}}(?:newsletter|briefing|digest|bulletin)\b"),
    re.compile(rf"\b(?:newsletter|briefing|digest|bulletin)\s+(?:from|by|of)\s+{_OUTLET}\s*(?:[.,;]|$)", re.MULTILINE),
    re.compile(rf"/\s*{_OUTLET}\s*/\s*[-—–]"),  # a release sent by a newswire: "CASTLEMOOR, Feb. 24, 2026 /BrightPath Newswire/ --"
)
# a wire story's dateline names its agency ("BRUGENHOLM, March 9 (Nordwire) -"): the outlet when the page names no other
_WIRE = re.compile(rf"^[A-Z][A-Z .'-]+,\s*[A-Za-z]{{3,9}}\.?\s+\d{{1,2}}\s*\(\s*{_OUTLET}\s*\)\s*[-—–]", re.MULTILINE)
# a copyright line names the page's owner ("© 2026 The Pellham Gazette. All rights reserved."): after the masthead,
# as a wire's credit on a paper's page ("© Lantern Wire 2025") names the wire
_COPYRIGHT = re.compile(r"^\s*(?:(?:©|\(c\)|Copyright)\s*)+(?:\d{4}\s*)?([A-Z][A-Za-z&'’ -]{1,40}?)\.?(?:\s+All rights reserved\.?)?\s*$", re.MULTILINE | re.IGNORECASE)
# a photo credit names the photographer's paper: "(Kit Amory/Ridgewater Now)"
_CREDIT = re.compile(rf"\(\s*[A-Z][\w.'’ -]{{1,40}}/\s*{_OUTLET}\s*\)")
_STAMP_FIRST = re.compile(r"^(?:published|updated|posted|filed)\b", re.IGNORECASE)
_MENU_PIECES = 4  # a line of this many pieces is a menu: none of them is a masthead
_FOLLOW = re.compile(rf"^\s*Follow {_OUTLET} on\b", re.MULTILINE)
_PUBLISHED_DATE = re.compile(r"(?:\bdate\s+|\bpublished\b[^\n\d]{0,40})(?=\S)", re.IGNORECASE)
# "BRACKENFORD, Sept 14:" — a dateline: capitals, a month and a day, a colon or dash
_DATELINE = re.compile(r"^[A-Z][A-Z .'-]+,\s*(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})\s*(?:\([^)\n]{1,40}\)\s*)?[:—–-]", re.MULTILINE)
# a stamp that names the weekday, the day and the month but not the year ("Tuesday 17 March", "Thu, March 19")
_YEARLESS = re.compile(
    rf"(?:{'|'.join(WEEKDAY_NAMES)}|(?:mon|tue|wed|thu|fri|sat|sun)\.?),?\s+"
    r"(?:(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?P<month>[A-Za-z]{3,9})\.?|(?P<month2>[A-Za-z]{3,9})\.?\s+(?P<day2>\d{1,2})(?:st|nd|rd|th)?)",
    re.IGNORECASE,
)
# when a copy was made, not when the article was published: "Printed on 5 Dec 2026", "Accessed 5 December 2026"
_COPY_STAMP = re.compile(r"\b(?:printed|accessed|downloaded|retrieved|saved)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    outlet: str = ""
    date: str = ""  # ISO yyyy-mm-dd, or ""


def front_matter(raw: str) -> tuple[dict[str, str], int]:
    """YAML front matter's simple `key: value` lines (the keys we use), and where the body starts (0 without)."""
    match = _FRONT_MATTER.match(raw)
    if not match:
        return {}, 0
    found = {}
    for line in match.group(1).splitlines():
        key, _, value = line.partition(":")
        field = _FRONT_KEYS.get(key.strip().lower())
        if field and value.strip() and field not in found:
            found[field] = value.strip().strip("'\"")
    return found, match.end()


def sidecar(path: Path | None) -> dict[str, str]:
    """`NAME.meta.json` beside the file: {"title", "outlet", "date"}, any of them."""
    if path is None:
        return {}
    meta = path.with_name(path.name + ".meta.json")
    if not meta.is_file():
        meta = path.with_suffix(".meta.json")
    try:
        data = json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else {}
    except (OSError, ValueError):
        return {}
    return {k: str(v) for k, v in data.items() if k in ("title", "outlet", "date") and v} if isinstance(data, dict) else {}


def read_metadata(raw: str, path: Path | None = None) -> Metadata:
    front, start = front_matter(raw)
    stated = front | sidecar(path)
    body = raw[start:]
    read = classify(body) if not {"title", "outlet", "date"} <= stated.keys() else []  # the page's top, read once for all three
    title = stated.get("title") or find_title(body, read)
    date = stated.get("date", "")
    date = _iso(date) or date if date else find_date(body, read, title)
    return Metadata(title, stated.get("outlet") or find_outlet(body, read, title), date)


def _iso(text: str) -> str:
    match = DATE_PATTERN.search(text)
    return (to_iso(match) or "") if match else ""


def _best(pieces: Read, kind: str, floor: float) -> Piece | None:
    """The piece most likely of ``kind``, among those more likely ``kind`` than anything else and at least ``floor``
    likely; never a share bar or a call to act."""
    ranked = [(p[kind], piece) for piece, p in pieces if p[kind] >= floor and p[kind] == max(p.values()) and not is_chrome(piece.text)]
    return max(ranked, key=lambda pair: pair[0])[1] if ranked else None


def find_outlet(text: str, read: Read | None = None, title: str = "") -> str:
    """An explicit statement, else a page title line ("``title`` | X"), else a date stamp whose other words are a name,
    else the masthead piece, else a closing "Follow X on", a copyright line, a photo credit or a wire's dateline."""
    for pattern in _OUTLET_PATTERNS:
        for match in pattern.finditer(text):
            name = match.group(1).strip()
            if not (is_date_stamp(name) or _STAMP_FIRST.match(name)):  # "By A | Published 8 July 2025" names no outlet
                return name
    # a page's <title> as a browser shows or prints it: "Why are bus fares rising again? | Merrow & District News"
    named = re.search(rf"{re.escape(title)}{SITE_SEPARATOR}([A-Z][^|\n]{{1,40}}?)\s*$", text, re.MULTILINE) if title else None
    name = named.group(1) if named else ""
    if name and len(name.split()) <= MASTHEAD_MAX_WORDS and name not in title and not is_furniture(name):
        return name
    read = classify(text) if read is None else read
    for piece, p in read:  # "The Northern Courier, 20 January 2025": a date stamp whose only other words are a name
        if max(p, key=p.get) in ("date", "masthead") and DATE_PATTERN.search(piece.text) and not _COPY_STAMP.search(piece.text):
            rest = DATE_PATTERN.sub(" ", piece.text).strip(" ,|-—–·")
            stamp_words = re.search(r"\d|\b(?:published|updated|posted|date|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*)\b", rest, re.IGNORECASE)
            if re.fullmatch(_OUTLET, rest) and not stamp_words and len(rest.split()) <= MASTHEAD_MAX_WORDS:
                return rest
    # a masthead is a name: never a menu's piece, a label and its value ("Region: East") or a copy stamp
    names = [
        (piece, p) for piece, p in read if piece.pieces < _MENU_PIECES and ":" not in piece.text and not _COPY_STAMP.search(piece.text) and not section_words(piece.text)
    ]
    masthead = _best(names, "masthead", MASTHEAD_FLOOR) or _dated_header(names)
    if masthead is not None and len(masthead.text.split()) <= MASTHEAD_MAX_WORDS:
        return _as_named(masthead.text.strip(" .,:;"))
    beside = _beside_menu(read, title) or _press_named(read, title)
    if beside:
        return beside
    for pattern in (_FOLLOW, _COPYRIGHT, _CREDIT, _WIRE):
        match = pattern.search(text)
        if match:
            return match.group(1).strip()
    return ""


def _as_named(name: str) -> str:
    """A name set in capitals as it is written: a running head "THE WESTCOAST COURIER" names "The Westcoast Courier"."""
    return name.title() if name.isupper() else name


def _dated_header(names: Read) -> Piece | None:
    """A printed header on the page's first line, a name beside the date ("THE WESTCOAST COURIER · Tuesday, March 3,
    2026"): its name piece, when the classifier gives it at least the masthead floor, even if a label is likelier."""
    dated = {piece.line for piece, p in names if max(p, key=p.get) == "date"}
    found = [(p["masthead"], piece) for piece, p in names if piece.line == 0 and piece.line in dated and p["masthead"] >= MASTHEAD_FLOOR]
    return max(found, key=lambda pair: pair[0])[1] if found else None


def _beside_menu(read: Read, title: str) -> str:
    """A site's name where sites put it: a short name alone on one of the page's first lines, near its menu (a line of
    several pieces), the first such: "Crossford Live" above "Breaking | News | Crime | Sport"."""
    menus = {piece.line for piece, _ in read if piece.pieces >= _MENU_PIECES}
    for piece, _ in read:
        words = piece.text.split()
        alone = piece.pieces == 1 and piece.line < BRAND_LINES and 1 <= len(words) <= MASTHEAD_MAX_WORDS - 1
        if (
            alone
            and any(menu - MENU_REACH <= piece.line < menu or piece.line == menu + 1 for menu in menus)  # above it, or right below
            and piece.text != title
            and starts_like_a_title(piece.text)
            and not is_furniture(piece.text)
            and not section_words(piece.text)
        ):
            return piece.text.strip(" .,:;")
    return ""


def _press_named(read: Read, title: str) -> str:
    """A name the way papers and sites are named, anywhere in the page's top: a piece, a byline's tail or a site line's
    head whose words are all capitalised and whose last word is a press word ("Oakridge Courier-Post | 17.02.2026",
    "By Ana Kell, Brackmoor Today", "Lowfield Signal — independent news for the valley"); never a section label made
    of section words ("Local News") and never the headline."""
    for piece, _ in read:
        if piece.text == title:
            continue
        for part in re.split(r"\s+[—–-]\s+|,\s+|\s+/\s+", piece.text):
            words = part.strip(" .:;").split()
            if (
                1 < len(words) <= MASTHEAD_MAX_WORDS
                and all(w[:1].isupper() or w[:1].isdigit() for w in words)
                and re.split(r"[-–]", words[-1])[-1].lower() in PRESS_WORDS
                and not section_words(part)
                and not is_furniture(part)
            ):
                return _as_named(" ".join(words))
    return ""


def find_date(text: str, read: Read | None = None, title: str = "") -> str:
    """A "date"/"Published" stamp, else a date stamp or byline above the body (below the headline, when the site's
    header above it states another: that is the day the page was served), else a dateline's or a year-less stamp's month
    and day with the year from the file's first full date, else that first full date."""
    for marker in _PUBLISHED_DATE.finditer(text):
        match = DATE_PATTERN.match(text, marker.end())
        if match and to_iso(match):
            return to_iso(match) or ""
    read = classify(text) if read is None else read
    title_line = next((piece.line for piece, _ in read if piece.text == title), None) if title else None
    stamps = [  # each date stamp or byline of the page's top that states a date, in order
        (piece.line, stamped)
        for piece, p in read
        if p["date"] + p["byline"] + p["masthead"] + p["section"] >= DATE_FLOOR and not _COPY_STAMP.search(piece.text) and (stamped := _iso(piece.text))
    ]
    below = [stamped for line, stamped in stamps if title_line is not None and line > title_line]
    if stamps:
        return below[0] if below else stamps[0][1]
    stated = first_date(text) or ""
    dateline = _DATELINE.search(text)
    yearless = next((m for piece, _ in read if (m := _YEARLESS.fullmatch(piece.text.strip()))), None)
    found = (dateline or yearless).groupdict() if dateline or yearless else {}
    month = MONTHS.get((found.get("month") or found.get("month2") or "").lower().rstrip("."))
    day = int(found.get("day") or found.get("day2") or 0)
    # the year: the file's first full date, else the latest year it names (news is about the present)
    year = stated[:4] or max(re.findall(r"\b(?:19|20)\d\d\b", text), default="")
    if month and 1 <= day <= 31 and year:
        return f"{year}-{month:02d}-{day:02d}"
    return stated
