"""Typed answer candidates in a sentence: people, organisations, places, amounts, counts, dates, durations, lists.

The reader answers "Who…?" with a person, "How much…?" with an amount, and
refuses when the best evidence holds none. Finding them is shallow
linguistics over English news prose: capitalisation, titles, currency and
number patterns, month names, comma-and enumerations. No model for this ships
offline here (MODELS.md: no NER or QA model in any package), so it is
hand-written, with nothing specific to one collection: which capitalised words
are ordinary nouns is learnt from the collection itself (words it also uses
in lower case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.ingest.dates import MONTH_ABBREVIATIONS, MONTH_NAMES, MONTH_WORDS, WEEKDAY_NAMES, WEEKDAY_WORDS

_MONTHS = MONTH_WORDS
_MON_ABBR = "|".join(MONTH_ABBREVIATIONS)
_WEEKDAYS = WEEKDAY_WORDS
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12,
}  # fmt: skip
_NUM = r"(?:\d[\d,]*(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")"
_SCALE = r"(?:million|billion|trillion|thousand|bn|mn|m|k)"
_APPROX = r"(?:(?:around|about|nearly|almost|over|some|roughly|approximately|up to|more than|less than|at least)\s+)?"
_CURRENCY_WORDS = r"(?:dollars?|euros?|pounds?|rupees?|yuan|yen|tenge|roubles?|rubles?|dirhams?|riyals?|USD|EUR|PKR|GBP)"

AMOUNT = re.compile(
    rf"(?<![\w.,]){_APPROX}(?:(?:US|HK|NZ|[ACS])?[$€£¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?{_SCALE}\b)?"
    rf"|\d[\d,]*(?:\.\d+)?\s?(?:{_SCALE}\s)?{_CURRENCY_WORDS}\b|\d[\d,]*(?:\.\d+)?\s?(?:per ?cent|%))",
    re.I,
)
DATE = re.compile(
    rf"\b(?:(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{_MONTHS}|(?:{_MON_ABBR})\.?)(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?(?:,?\s+(?:1[89]|20)\d\d)?"
    rf"|(?:1[89]|20)\d\d(?:[-–/]\d\d(?:\d\d)?)?|(?:on\s+)?(?:{_WEEKDAYS})|(?:last|next|this|later this|earlier this)\s+(?:year|month|week)|yesterday|today|tomorrow)\b",
    re.I,
)
DURATION = re.compile(rf"\b{_APPROX}{_NUM}[\s-](?:day|week|month|year|hour|decade)s?\b(?:\s+(?:ago|long))?", re.I)
_UNIT = r"(?:tonnes|tons|barrels|kilometres|kilometers|km|miles|metres|meters|passengers|people|visitors|workers|jobs|units|vehicles|containers)"
COUNT = re.compile(rf"\b{_APPROX}{_NUM}(?:-(?:member|strong|point|nation|party|day|year|month|week)|(?:\s{_SCALE})?(?:\s{_UNIT})?)\b", re.I)

TITLES = frozenset(
    """president vice prime minister deputy secretary ambassador envoy governor mayor chairman chairwoman chair chief director
    commissioner general senator king queen prince princess sheikh mr mrs ms dr professor judge justice speaker ceo counterpart
    spokesperson spokesman spokeswoman federal foreign state head leader premier chancellor minister-counselor consul
    attorney lieutenant colonel major captain admiral marshal pope bishop imam emir sultan""".split()
)
ORG_WORDS = frozenset(
    """association corporation ministry authority trust office company agency bank council committee commission forum park party
    university institute department secretariat group federation chamber board union organisation organization foundation fund
    court police army navy airlines airways exchange service network news radio times post summit corridor agreement plan
    college school hospital club alliance coalition assembly parliament senate cabinet embassy consulate inc ltd plc llc""".split()
)
DEMONYM_SUFFIXES = ("an", "ian", "ese", "i", "ish", "ic")
_CAP = r"(?:[A-Z][\w’'.-]*|[A-Z]{2,})"
_RUN = re.compile(rf"{_CAP}(?:\s+(?:of|for|de|al|bin|ibn|von|van|da|del|the)?\s*{_CAP})*")
_CALENDAR = frozenset(m.lower() for m in MONTH_NAMES + WEEKDAY_NAMES)
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_LOCATIVE = re.compile(r"\b(?:in|to|from|at|near|through|via|into|across|towards?)\s+(?:the\s+)?$", re.I)


@dataclass(frozen=True)
class Candidate:
    """A typed span of one sentence (character offsets into the sentence)."""

    kind: str
    text: str
    start: int
    end: int
    descriptor: str = ""  # for a person: the title phrase before the name ("Ruritanian Transport Minister")


def _is_common(word: str, lowercase_words: frozenset[str]) -> bool:
    return word.lower().strip("’'.") in lowercase_words


def _title_phrase(sentence: str, start: int) -> str:
    """The title words right before a name: "Ruritania's Deputy Mayor and Harbour Commissioner"."""
    before = sentence[:start].split()
    phrase: list[str] = []
    for word in reversed(before[-10:]):
        bare = word.strip(',;:()“”"').lower()
        if word.endswith((";", ":")) or ((word.endswith((",", ".")) or bare == "and") and (phrase or bare == "and" or word.endswith(","))):
            break  # a dateline ("PORT ALVA:") or the end of a clause
        if bare in TITLES or bare in ("of", "for", "and", "the", "to") or word[:1].isupper() or bare.endswith(("’s", "'s")):
            phrase.insert(0, word.strip(',;:()“”"'))
            continue
        if bare in ("counterpart", "envoy", "minister", "secretary", "official", "officials"):
            phrase.insert(0, word)
            continue
        break
    while phrase and phrase[0].lower() in ("of", "for", "and", "the", "to"):
        phrase.pop(0)
    return " ".join(phrase)


def people_and_orgs(sentence: str, lowercase_words: frozenset[str]) -> list[Candidate]:
    """Capitalised runs split into the title part and the name part; runs with an organisation word are organisations."""
    found: list[Candidate] = []
    for run in _RUN.finditer(sentence):
        words = [(m.start() + run.start(), m.end() + run.start(), m.group(0)) for m in re.finditer(r"\S+", run.group(0))]
        lowered = [w.lower().strip("’'.,") for _, _, w in words]
        if any(w in ORG_WORDS for w in lowered):
            text = run.group(0).strip(" ,.")
            if len(words) >= 2:
                found.append(Candidate("organisation", text, run.start(), run.start() + len(text)))
            continue
        # the name is what follows the last title or ordinary (lower-case elsewhere) word of the run
        cut = 0
        for k, word in enumerate(lowered):
            if word in TITLES or word in ("of", "for", "the", "de") or word.endswith(("’s", "'s")) or _is_common(words[k][2], lowercase_words):
                cut = k + 1
        # "Minister of Ports and Fisheries Jo Bloggs": the title goes on across "and" after an ordinary noun
        joined = re.search(r"(\S+)\s+and\s+$", sentence[: words[0][0]])
        across = bool(joined) and joined.group(1)[:1].isupper() and _is_common(joined.group(1), lowercase_words) and lowered[0] not in TITLES
        if across and cut == 0 and len(words) >= 3:
            cut = 1
        name = words[cut:]
        if not name or any(w.lower().strip("’'.,") in _CALENDAR for _, _, w in name):
            continue
        start, end = name[0][0], name[-1][1]
        text = re.sub(r"[’']s$", "", sentence[start:end].strip(" ,."))
        titled = any(lowered[k] in TITLES for k in range(cut))
        before = _title_phrase(sentence, words[0][0])
        if across and cut and not titled:
            before = f"{_title_phrase(sentence, joined.start(1))} {joined.group(1)} and".strip()
        honorific = bool(before) and before.split()[-1].lower() in TITLES
        if len(name) >= 2 or titled or honorific:
            descriptor = (before + " " + " ".join(w for _, _, w in words[:cut])).strip()
            found.append(Candidate("person", text, start, start + len(text), descriptor))
    for m in _ACRONYM.finditer(sentence):
        if not any(c.start <= m.start() < c.end for c in found) and m.group(0).lower() not in lowercase_words:
            found.append(Candidate("organisation", m.group(0), m.start(), m.end()))
    return found


def places(sentence: str, lowercase_words: frozenset[str]) -> list[Candidate]:
    """Capitalised runs after a locative preposition ("in Lisbon", "to Port Alva", "at Nortown")."""
    found = []
    for run in _RUN.finditer(sentence):
        first = run.group(0).split()[0]
        if _LOCATIVE.search(sentence[: run.start()]) and not _is_common(first, lowercase_words) and first.lower() not in _CALENDAR:
            text = run.group(0).strip(" ,.")
            found.append(Candidate("place", text, run.start(), run.start() + len(text)))
    return found


def _matches(pattern: re.Pattern, kind: str, sentence: str) -> list[Candidate]:
    return [Candidate(kind, m.group(0).strip(), m.start(), m.end()) for m in pattern.finditer(sentence) if m.group(0).strip()]


def candidates(sentence: str, kind: str, lowercase_words: frozenset[str] = frozenset()) -> list[Candidate]:
    """Every span of ``kind`` in ``sentence``."""
    if kind == "person":
        return [c for c in people_and_orgs(sentence, lowercase_words) if c.kind == "person"]
    if kind == "organisation":
        return [c for c in people_and_orgs(sentence, lowercase_words) if c.kind == "organisation"]
    if kind == "place":
        return places(sentence, lowercase_words)
    if kind == "amount":
        return _matches(AMOUNT, "amount", sentence)
    if kind == "date":
        return _matches(DATE, "date", sentence)
    if kind == "duration":
        return _matches(DURATION, "duration", sentence)
    if kind == "count":
        spans = _matches(COUNT, "count", sentence)
        dates = _matches(DATE, "date", sentence)
        # a year or a day of the month is not a count
        return [c for c in spans if not any(d.start <= c.start < d.end for d in dates)]
    return []


def number_value(text: str) -> float | None:
    """'$42 million' → 42e6, 'three' → 3, '2003' → 2003, '$1bn' → 1e9."""
    lowered = text.lower()
    m = re.search(r"\d[\d,]*(?:\.\d+)?", lowered)
    if m:
        value = float(m.group(0).replace(",", ""))
    else:
        words = [NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", lowered) if w in NUMBER_WORDS]
        if not words:
            return None
        value = float(words[0])
    for scale, factor in (("trillion", 1e12), ("billion", 1e9), ("bn", 1e9), ("million", 1e6), ("mn", 1e6), ("thousand", 1e3)):
        if re.search(rf"\d\s?{scale}\b|\b{scale}\b", lowered):
            return value * factor
    return value


_W = r"[\w’'&/-]+"
_ITEM = rf"{_W}(?:\s+{_W}){{0,4}}?"
_LIST = re.compile(rf"{_ITEM}(?:,\s+{_ITEM})*(?:,?\s+(?:and|or)\s+{_ITEM})+(?=\s*[,.;:—–)]|\s+(?:to|for|as|in|on|with|were|was|are|is|that|which)\b|\s*$)")
_LEAD_IN = re.compile(r"^(?:.*\b(?:including|include[sd]?|such as|like|namely|on|in|of|with|between|among|are|were|is|was|as|to|from)\s+|.*\b\w+(?:ed|ing)\s+)", re.I)


def enumerations(sentence: str) -> list[Candidate]:
    """Comma-and lists of short items: "fishing, tourism, small and medium shipyards, and freight handling"."""
    found = []
    for m in _LIST.finditer(sentence):
        text = m.group(0)
        first, _sep, _rest = text.partition(",") if "," in text else text.partition(" and ")
        trimmed = _LEAD_IN.sub("", first)
        offset = len(first) - len(trimmed)
        start = m.start() + offset
        found.append(Candidate("list", sentence[start : m.end()].strip(), start, m.end()))
    return found


def split_items(text: str) -> list[str]:
    """'Port Alva, Cape Lisa and Nortown' → ['Port Alva', 'Cape Lisa', 'Nortown']."""
    parts = re.split(r",\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+", text)
    return [p.strip(" .") for p in parts if p.strip(" .")]


def is_demonym_of(word: str, name: str) -> bool:
    """'Ruritanian' ~ 'Ruritania', 'Kenyan' ~ 'Kenya': a shared stem of five letters or more."""
    a, b = word.lower(), name.lower()
    for suffix in DEMONYM_SUFFIXES:
        if a.endswith(suffix) and len(a) - len(suffix) >= 5:
            a2 = a[: -len(suffix)]
            if b.startswith(a2):
                return True
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n >= 5
