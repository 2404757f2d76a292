"""The typed answer inside a short answer: "2,300" from "The East Terrace holds about 2,300 supporters."

A judged short answer is often a clause that holds the answer: the reader proposes clauses as well as entities, and
a small model restates the question ("Brackenford finished with 71 points"). When the question asks for a typed
thing (who → a person or organisation, when → a date, how many/much → a number; `Question.expects`) and the clause
holds exactly one entity of that kind that the question does not already name, that entity is what the user reads
first. A count keeps its unit noun ("71 points", "eleven minutes"). The judged clause is still what was checked
and quoted; only the lead shrinks, and only where the choice is unambiguous (two dates, two people: left whole).

Hand-written: spaCy labels the entities (stored at ingest), but nothing in the stack picks the one a question asks for.
"""

from __future__ import annotations

import re

from rag.read.candidates import ParsedSentence
from rag.read.question import NUMERIC, Question
from rag.schema import EvidenceSentence, Passage
from rag.text.dates import DATE_PATTERN
from rag.text.parse import Annotation

_WORD = re.compile(r"\w+")
# Labels that can stand for one another as an answer: "who" asks for a person or organisation, and a country can be
# that "who" too; "when" a date or time. Two entities of one family in a clause leave it whole.
_NAMES = frozenset({"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC"})
_FAMILIES = (
    _NAMES,
    frozenset({"DATE", "TIME"}),
    frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}),
)
_NOMINAL = frozenset({"NOUN", "PROPN", "NUM"})
_UNIT_REACH = 3  # a count's noun at most this many tokens on ("three Pakistani sea ports")
_INSIDE_UNIT = frozenset({"ADJ", "PROPN", "NOUN"})  # what may stand between a count and its noun


def typed_answer(short: str, sentence: int | None, question: Question, evidence: list[EvidenceSentence], passages: list[Passage]) -> str:
    """The one entity of the kind ``question`` asks for that ``short`` states, as sentence ``sentence`` writes it
    (with a count's unit noun); ``short`` itself when the question asks for no type, has two parts, or the choice
    is not one entity."""
    if not short or sentence is None or not question.expects or question.parts or not 0 <= sentence < len(evidence):
        return short
    parsed = ParsedSentence.of(sentence, evidence[sentence], Annotation.loads(passages[evidence[sentence].passage].annotation))
    asked, said = _words(question.text), _words(short)
    kinds = {family for label in question.expects for family in _FAMILIES if label in family}
    found: dict[str, tuple[str, bool]] = {}  # each entity the clause states of the kinds asked, once: its text, and whether it answers
    inside: set[int] = set()  # tokens of every entity the clause states
    for entity in parsed.annotation.entities:
        asked_kind = any(entity.label in family for family in kinds)
        bare = parsed.text_of(entity.start, entity.end)
        text = _whole(parsed, entity.start, entity.end, entity.label) if asked_kind else bare
        if _words(bare) not in said and _words(text) not in said:
            continue
        inside.update(range(entity.start, entity.end))
        if not asked_kind or _words(text) in asked:
            continue
        root = parsed.tokens[parsed.root_of(entity.start, entity.end)]
        # of a kind asked and a noun or number: "Kazakhstan" answers "who", the adjective "Central Asian" does not
        answers = entity.label in question.expects and root.pos in _NOMINAL
        found.setdefault(_words(text), (text, answers))
    if len(found) != 1:  # two people, or a person and a country: which one is asked is not this step's to guess
        return short
    ((text, answers),) = found.values()
    if _NAMES in kinds and _stray_name(parsed, inside, said, asked, text):
        return short
    return text if answers and len(text) < len(short.strip()) else short


def _stray_name(parsed: ParsedSentence, inside: set[int], said: str, asked: str, chosen: str) -> bool:
    """Whether the clause states a proper noun the parser put in no entity ("Pellworth's Tomasz Wren won…; Diallo was
    second": only "Diallo" labelled), other than the question's words and a title of the chosen name ("Foreign
    Minister" of "Murat Nurtleu"): then the one entity found is not the only name the clause gives."""
    chosen_words = _words(chosen)
    for i, token in enumerate(parsed.tokens):
        word = _words(parsed.text_of(i, i + 1))
        if token.pos != "PROPN" or i in inside or word not in said or word in asked or word in chosen_words:
            continue
        j, steps = i, 0
        while parsed.tokens[j].pos == "PROPN" and j not in inside and steps < 4 and parsed.tokens[j].head != j:
            j, steps = parsed.tokens[j].head, steps + 1
        if not (j in inside and _words(parsed.text_of(j, j + 1)) in chosen_words):
            return True
    return False


def _whole(parsed: ParsedSentence, start: int, end: int, label: str) -> str:
    """The entity's text, mended where the parser's span is off: a date as the date pattern reads it ("August 2024,
    weeks" → "9 August 2024"), a currency sign written against a sum ("2,400" → "£2,400"), a name's hyphenated rest
    ("Kassym Jomart" → "Kassym Jomart-Tokayev"), and the noun a count counts ("71" → "71 points", "three" → "three
    Pakistani ports": the noun its last token modifies, a few words on)."""
    tokens = parsed.tokens
    if label in ("DATE", "TIME"):
        low, high = tokens[start].start, tokens[end - 1].end
        for match in DATE_PATTERN.finditer(parsed.text):
            if match.start() < high and match.end() > low:
                return match.group(0)
    if label in NUMERIC and start > 0 and tokens[start - 1].end == tokens[start].start and tokens[start - 1].pos == "SYM":
        start -= 1
    while end < len(tokens) and tokens[end].start == tokens[end - 1].end and "-" in (parsed.text_of(end, end + 1), parsed.text_of(end - 1, end)):
        end += 1
    head = tokens[end - 1].head
    if label in NUMERIC and end <= head < end + _UNIT_REACH and tokens[head].pos == "NOUN" and all(t.pos in _INSIDE_UNIT for t in tokens[end:head]):
        end = head + 1
    return parsed.text_of(start, end)


def _words(text: str) -> str:
    """Lower-cased words between spaces, so one is found in another only as whole words ("71" not in "1971")."""
    return " " + " ".join(_WORD.findall(text.lower())) + " "
