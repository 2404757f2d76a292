"""Plan a question: what kind of answer it wants, the thing it asks about, its parts, and any arithmetic.

"How much revenue…" wants an amount of *revenue*; "Who heads X?" wants a person;
"how many years between A and B" wants a difference of two cited years;
"how long is the line and when does it open" is two questions. The reader
uses the plan to pick a span of the right kind, or to refuse when the
evidence names the subject but holds no such span. Hand-written question
typing (a classic rule set over English wh-questions); nothing here knows
the collection's topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.ingest.dates import MONTH_WORDS
from rag.support import STOPWORDS, content_terms

_AUX = r"(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could|should)"
_MEASURES = {
    "amount": "cost budget price value worth amount revenue investment investments spending salary debt deficit gdp turnover trade exports imports funding fund loan",
    "count": "number population capacity size length distance height area total figure percentage share rate volume output production sales",
}
_KINDS_BY_NOUN = {
    "person": "minister ministers president presidents official officials leader leaders ambassador envoy person people man woman ceo"
    " chairman chair head chief secretary spokesperson governor mayor counterpart",
    "organisation": "company companies firm firms association associations organisation organization agency agencies ministry ministries"
    " airline airlines bank banks party corporation group",
    "place": "city cities country countries port ports province region town place capital state states location venue",
    "date": "year date day month time",
}
GENERIC_NOUNS = frozenset("people persons times things items ones members much many kind type sort name names title".split())
_COMPUTE = re.compile(
    r"\bhow many (?:years|months|days|weeks)\b.*\b(?:between|since|from|after|before)\b|\bhow (?:far|much (?:more|less|higher|lower|short|bigger|smaller))\b"
    r"|\b(?:difference|gap)\b.*\bbetween\b|\bhow (?:long|many years) (?:ago|after|before)\b|\bhow does .+ compare (?:with|to)\b",
    re.I,
)
_SAYING = "say|says|said|tell|told|state|stated|announce|announced|stress|stressed|claim|claimed|describe|note|noted|add|added|comment|mention"
_PART_SPLIT = re.compile(r"\?\s+(?=\w)|,?\s+(?:and|&)\s+(?=(?:who|whom|whose|what|when|where|which|why|how)\b)", re.I)


@dataclass
class Plan:
    question: str  # normalised (shorthand expanded, typos corrected)
    kind: str  # person organisation place amount count quantity date duration list reason yesno compute role statement open
    wh: str  # the asking words, for "The articles don't say <wh> …"
    attribute: str = ""  # the thing asked about: "revenue" in "how much revenue", "capacity" in "what is the X's capacity"
    list_kind: str = ""  # for lists: the kind of each item (person, place, ...) or "" for phrases
    parts: list[Plan] = field(default_factory=list)

    @property
    def focus(self) -> str:
        """The question without qualifiers that only narrow it (a year, a month): they must not halve a match."""
        text = re.sub(
            rf"\b(?:in|during|on|of|since)?\s*(?:(?:{MONTH_WORDS})\s*)?(?:1[89]|20)\d\d\b",
            " ",
            self.question,
            flags=re.I,
        )
        return " ".join(text.split())


_KNOWN_NOUNS = frozenset(w for group in (*_MEASURES.values(), *_KINDS_BY_NOUN.values()) for w in group.split()) | {"title", "job", "position", "role", "post"}


def _attribute(question: str) -> str:
    """The head noun of the phrase after the asking words: 'revenue' in 'what is the yearly port revenue of…',
    'minister' in 'which regional minister opened…', 'gdp' in "what is the country's gdp"."""
    q = question.lower()
    m = re.search(r"\b(?:how much|how many|which|what)\s+(?:(?:is|are|was|were)\s+)?(?:the\s+|a\s+|an\s+)?(.*)", q)
    if not m or re.match(rf"{_AUX}\b", m.group(1)):
        return ""  # "what did the envoy say": the phrase after the auxiliary is the subject, not the thing asked for
    phrase: list[str] = []
    for word in re.findall(r"[\w'’-]+|[^\w\s]", m.group(1)):
        if not re.match(r"[\w'’-]", word) or word in STOPWORDS or re.fullmatch(_AUX, word) or len(phrase) == 4:
            break
        phrase.append(re.sub(r"['’]s$", "", word))
    if not phrase:
        return ""
    known = [w for w in phrase if w in _KNOWN_NOUNS]
    if phrase[-1] in _KNOWN_NOUNS or _is_plural(phrase[-1]):
        return phrase[-1]
    if known:
        return known[-1]
    plural = [w for w in phrase if _is_plural(w)]
    return plural[0] if plural else phrase[:2][-1]


def _kind_from_noun(noun: str) -> str:
    for kind, nouns in _KINDS_BY_NOUN.items():
        if noun in nouns.split():
            return kind
    for kind, nouns in _MEASURES.items():
        if noun in nouns.split():
            return kind
    return ""


def _is_plural(noun: str) -> bool:
    return noun.endswith("s") and not noun.endswith(("ss", "us", "is", "news")) and len(noun) > 3


def classify(question: str) -> tuple[str, str, str]:
    """(kind, wh, attribute) for one simple question."""
    q = question.lower().strip()
    attribute = _attribute(q)
    named = re.search(r"\bname of (?:the |a |an )?(.+)", q)
    if attribute == "name" and named:
        # "what's the name of the harbour board's chairman": the thing named is the head of the of-phrase
        words = [w for w in re.findall(r"[\w'’-]+", named.group(1)) if w not in STOPWORDS]
        attribute = re.sub(r"['’]s$", "", words[-1]) if words else attribute
    noun_kind = _kind_from_noun(attribute)
    if _COMPUTE.search(q):
        return "compute", "by how much", attribute
    if re.match(r"^\W*(?:list|name)\b", q) or (re.match(r"^\W*(?:which|what)\b", q) and _is_plural(attribute) and noun_kind not in ("amount", "count")):
        return "list", "which", attribute
    roles = "(?:title|job|position|post|role)"
    if re.search(rf"\bwhat {roles}\b|\b{roles} (?:of|does|did)\b|['’]s {roles}\b|\bsame {roles}\b", q):
        return "role", "what title", attribute
    if re.match(r"^\W*when\b", q) or re.search(r"\b(?:what|which) (?:year|date|day|month|time)\b", q):
        return "date", "when", attribute
    for opening, kind in (("how long", "duration"), ("how many", "count"), ("how much", "amount")):
        if re.match(rf"^\W*{opening}\b", q):
            return kind, opening, attribute
    if re.match(r"^\W*(?:who|whom|whose)\b", q):
        return ("list" if _is_plural(attribute) and attribute in _KINDS_BY_NOUN["person"] else "person"), "who", attribute
    if re.match(r"^\W*where\b", q):
        return "place", "where", attribute
    if re.match(rf"^\W*what (?:did|does|do|has|have|had|will)\b.*\b(?:{_SAYING})\b", q):
        return "statement", "what", attribute
    if re.match(r"^\W*why\b", q) or re.search(r"\bwhat (?:caused|led to)\b|\breason\b", q):
        return "reason", "why", attribute
    if re.match(rf"^\W*{_AUX}\b", q):
        return "yesno", "whether", attribute
    if re.match(r"^\W*(?:which|what)\b", q) and noun_kind:
        if noun_kind in ("amount", "count"):
            return "quantity", f"what the {attribute} is", attribute
        return noun_kind, "which " + attribute, attribute
    return "open", "that", attribute


def _list_kind(attribute: str, wh: str) -> str:
    """What each listed item is: people, organisations, places, or phrases ('')."""
    kind = _kind_from_noun(attribute) or _kind_from_noun(attribute[:-1] if _is_plural(attribute) else attribute)
    return kind if kind in ("person", "organisation", "place") else ("person" if wh == "who" else "")


def plan(question: str) -> Plan:
    """The plan for a (normalised) question; a two-part question gets one sub-plan per part."""
    pieces = [p.strip(" ?") for p in _PART_SPLIT.split(question) if len(content_terms(p)) >= 1]
    kind, wh, attribute = classify(question)
    result = Plan(question, kind, wh, attribute)
    if kind == "list":
        result.list_kind = _list_kind(attribute, wh)
    if len(pieces) >= 2 and kind != "compute":
        subject = " ".join(t for t in re.findall(r"[\w’'-]+", pieces[0]) if t.lower() not in STOPWORDS)
        for i, piece in enumerate(pieces):
            # a later part leans on the first for its subject ("…and when does it open")
            text = piece if i == 0 else f"{piece} ({subject})"
            part_kind, part_wh, part_attr = classify(piece)
            sub = Plan(text, part_kind, part_wh, part_attr)
            if part_kind == "list":
                sub.list_kind = _list_kind(part_attr, part_wh)
            result.parts.append(sub)
    return result


def owner(question: str) -> str:
    """Whose title a 'who' question asks about: 'ruritania' in 'who leads the council of ruritania', "ruritania" in "who is ruritania's pm"."""
    q = question.lower().strip(" ?")
    m = re.match(r"^\W*who(?:'s| is| was| are)?\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?(?:of|for|in)\s+(?:the\s+)?([\w-]+)", q)
    if m:
        return m.group(1)
    m = re.match(r"^\W*who(?:'s| is| was| are)?\s+(?:the\s+)?([\w-]+?)(?:['’]s)?\s+(?:[\w-]+\s*){1,3}$", q)
    if m and re.search(r"['’]s\b", q):
        return m.group(1)
    return ""


def indirect(question: str) -> str:
    """'Who heads the X?' → 'who heads the X'; 'what was the cost of Y?' → 'what the cost of Y was' (for refusals)."""
    q = question.strip().rstrip("?").strip()
    q = q[0].lower() + q[1:] if q else q
    m = re.match(r"^((?:how (?:much|many|long|far)|what|which|who|whom|whose|when|where|why)(?:\s+\w+)?)\s+(is|are|was|were)\s+(.+)$", q, re.I)
    if m and not m.group(1).endswith((" is", " are", " was", " were")):
        return f"{m.group(1)} {m.group(3)} {m.group(2)}"
    m = re.match(r"^((?:how (?:much|many|long|far)|what|which|who|when|where|why)(?:\s+\w+)?)\s+(?:did|does|do)\s+(.+)$", q, re.I)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    m = re.match(r"^((?:how (?:much|many|long|far)|what|which|who|when|where|why)(?:\s+\w+)*?)\s+(will|would|can|could)\s+(.+?)\s+(be\s+\w+|\w+)$", q, re.I)
    if m:
        return f"{m.group(1)} {m.group(3)} {m.group(2)} {m.group(4)}"
    return q
