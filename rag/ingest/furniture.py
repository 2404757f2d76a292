"""What a page's top holds that is not its headline, its outlet or its date: furniture (date stamps, weather, section
labels in capitals, bylines, menus, "Label: value" lines, breadcrumbs, share bars) and the vocabularies that tell a
paper's name from a section's ("The Alderwick Echo" against "Local News"). One set of predicates for the title and the
outlet readers (`rag.ingest.page_title`, `rag.ingest.metadata`).

Hand-written: no library in the stack knows a news page's furniture.
"""

from __future__ import annotations

import re

from rag.ingest.clean import is_chrome
from rag.ingest.lines import TEMPERATURE
from rag.text.dates import DATE_PATTERN, MONTHS

# the words papers, stations and sites are named with ("The Alderwick Echo", "Brackmoor Today", "Crossford Live"), and
# the words of section labels ("Local News", "World"): a name of section words alone is a label
PRESS_WORDS = frozenset(
    "gazette times post herald chronicle journal courier echo signal star mail express tribune review observer record "
    "press today news daily weekly live now online wire standard telegraph mirror independent guardian bulletin dispatch "
    "sentinel advertiser argus examiner enquirer inquirer register leader monitor voice ledger globe messenger gleaner "
    "beacon clarion citizen democrat pioneer newswire radio tv fm mercury letter magazine gazette-news bugle".split()
)
SECTION_WORDS = frozenset(
    "news local world breaking latest top business sport sports politics opinion regional national international tech "
    "technology money health science culture arts entertainment weather traffic crime video live home region travel "
    "lifestyle food education environment climate transport features obituaries property jobs motoring games puzzles "
    "photos galleries podcasts newsletters e-paper epaper sections menu search subscribe more".split()
)
WEATHER = re.compile(rf"{TEMPERATURE}|\b(?:sunny|cloudy|rain|showers|clear skies|fog|snow)\b", re.IGNORECASE)
# lines that say where a page came from or who posted it, never its headline
NOT_A_TITLE = re.compile(
    r"^(?:via|source|posted|filed|saved from|accessed|reading time|listen|skip to|view (?:in browser|online)|open in (?:browser|app))\b|©", re.IGNORECASE
)
BREADCRUMB = re.compile(r"\s(?:›|»|>)\s")  # "News and events › News › Science": where the page sits, not what it says
CAPS_LABEL = re.compile(r"^(?=.{3,31}$)[A-Z][A-Z&/'-]*(?: [A-Z&/'-]+){0,2}$")  # "COURTS", "LOCAL NEWS"; a longer line in capitals is a headline
BYLINE = re.compile(r"^\s*(?:By|Written by|Reporting by)\s+[A-Z]", re.IGNORECASE)
# "Source: X", "Date: 11 March 2025", "Filed by: …": a one- or two-word label and its value
LABELLED = re.compile(r"^[A-Z][a-z]+(?: [a-z]+)?\s*:\s*\S.{0,60}$")


def is_date_stamp(line: str) -> bool:
    """A line that is mostly a date (and perhaps a weekday, a time, an outlet or the weather): no headline."""
    if not DATE_PATTERN.search(line) and not re.search(r"\b\d{1,2}:\d{2}\b", line):
        return False
    rest = DATE_PATTERN.sub(" ", line)
    rest = re.sub(rf"\b(?:{'|'.join(MONTHS)})\b", " ", rest, flags=re.IGNORECASE)
    return len(re.findall(r"[A-Za-z]{4,}", rest)) <= 6


def is_furniture(line: str) -> bool:
    stripped = line.strip()
    words = stripped.split()
    return (
        is_date_stamp(stripped)
        or bool(WEATHER.search(stripped) and len(words) <= 8)
        or bool(CAPS_LABEL.fullmatch(stripped))
        or stripped.lower() in ("advertisement", "sponsored", "sponsored content")
        or bool(BYLINE.match(stripped))
        or (stripped.count("|") >= 2 and all(len(part.split()) <= 3 for part in stripped.split("|")))
        or stripped.startswith(("date ", "Published", "Updated"))
        or bool(LABELLED.match(stripped))
        or bool(NOT_A_TITLE.match(stripped))
        or len(BREADCRUMB.findall(stripped)) >= 2
        or is_chrome(stripped)
    )


def section_words(text: str) -> bool:
    """A label or a menu, not a name: every word a section's ("Local News", "Travel Science Podcasts")."""
    words = [w.lower().strip(".,:;…") for w in text.split() if w.lower() != "the" and w.strip(".…")]
    return bool(words) and all(w in SECTION_WORDS for w in words)
