"""Read the retrieved passages and answer: the span the question asks for, the sentences that hold it, or a refusal.

Steps over one question: score every passage sentence against the question
(qualifiers such as a year left out), keep those about the question, find the
asked-for kind of span in them (a person for "who", an amount for "how
much", every item for a list), compute differences the question asks for,
and notice when articles disagree. When the evidence names the subject but
fills no slot of the asked-for kind, the reading is a refusal that says what
is missing and keeps the closest sentences. Hand-written: no reading
comprehension model ships offline here (MODELS.md), so the answer span is
chosen by the question's type, the span's kind and its distance to the
question's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from rag.candidates import TITLES, Candidate, candidates, enumerations, is_demonym_of, number_value, split_items
from rag.cite import EvidenceSentence
from rag.ingest.dates import MONTH_WORDS, WEEKDAY_WORDS
from rag.question import GENERIC_NOUNS, STOPWORDS, Plan, indirect, owner
from rag.support import SupportScorer, content_terms, fold, stem

SLOT_KINDS = ("person", "organisation", "place", "amount", "count", "quantity", "date", "duration")
BAND = 0.7  # sentences scoring within 30 % of the best are read for the answer
TYPED_BAND = 0.5  # a sentence holding the asked-for kind of span is read if within 50 % of the best
KNOWN_SHARE = 0.5  # a question most of whose words the collection never uses is about something else
CONTEXT_WEIGHT = 0.25  # half the lexical half of the support score
RELATIVE_DATE = 0.6  # "later this year" says less than "in November"
WINDOW = 8  # words either side of a span that tell what it is about
FAR_WEIGHT = 0.4  # a question word further off in the span's sentence
CLOSEST = 2  # sentences shown with a refusal
OPERAND_SENTENCES = 12  # best sentences searched for each operand of a difference
CLOSEST_FLOOR = 0.3  # below this nothing is close enough to show
AGENT_BONUS = 2.5  # the span is named as the doer of the asked verb ("received by X"): that outranks a name merely near the question's words
DISAGREE = 0.9  # a different value from another article scoring this close to the best is a disagreement
_HEADLINE_FACTOR = 0.85
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


@dataclass
class Reading:
    """The answer before wording: the short answer, the sentences behind it (indices into the evidence), or a refusal."""

    short: str = ""
    support: list[int] = field(default_factory=list)  # sentences that hold the short answer
    refused: bool = False
    missing: str = ""  # on a refusal: what the articles don't say
    closest: list[int] = field(default_factory=list)
    note: str = ""  # arithmetic or a disagreement, said after the short answer


class Reader:
    """Answers from evidence sentences; ``lowercase_words`` are the collection's ordinary words (to tell names apart)."""

    def __init__(self, scorer: SupportScorer, answer_threshold: float, lowercase_words: frozenset[str]) -> None:
        self.scorer = scorer
        self.threshold = answer_threshold
        self.lowercase = lowercase_words

    # -- scoring -------------------------------------------------------------
    def sentence_scores(self, text: str, evidence: list[EvidenceSentence], with_context: bool = False) -> np.ndarray:
        if not evidence:
            return np.zeros(0, dtype=np.float32)
        scores = self.scorer.matrix([text], [e.text for e in evidence])[0]
        # a question word the sentence leaves implicit but its passage states counts at half weight
        if not with_context:
            return scores * np.array([1.0 if _TERMINAL.search(e.text) else _HEADLINE_FACTOR for e in evidence], dtype=np.float32)
        context_gain = np.array([self.scorer.coverage(text, e.context) - self.scorer.coverage(text, e.text) for e in evidence], dtype=np.float32)
        scores = scores + CONTEXT_WEIGHT * np.clip(context_gain, 0.0, 1.0)
        return scores * np.array([1.0 if _TERMINAL.search(e.text) else _HEADLINE_FACTOR for e in evidence], dtype=np.float32)

    def _local(self, question_terms: set[str], sentence: str, span: Candidate) -> float:
        """How much of the question is said around the span (idf-weighted share of its terms): in full within
        WINDOW words, at FAR_WEIGHT further off in the same sentence (a long clause can separate subject and slot)."""
        before = sentence[: span.start].split()
        after = sentence[span.end :].split()
        near = set(content_terms(" ".join(before[-WINDOW:] + after[:WINDOW]) + " " + span.descriptor))
        far = set(content_terms(" ".join(before[:-WINDOW] + after[WINDOW:])))
        terms = question_terms - set(content_terms(span.text))
        if not terms:
            return 0.0
        idf = self.scorer.weights.idf

        def said(t: str, words: set[str]) -> bool:
            return t in words or any(is_demonym_of(t, n) for n in words)

        hit = sum(idf(t) * (1.0 if said(t, near) else FAR_WEIGHT if said(t, far) else 0.0) for t in terms)
        return hit / sum(idf(t) for t in terms)

    # -- the reading ---------------------------------------------------------
    def _known(self, text: str) -> str:
        """The text without words the collection never uses: they can't be matched, only weigh against every sentence.
        (A thing asked about that the collection never mentions is caught by `read` first.)"""
        words = re.findall(r"[\w’'$€£%.,-]+", text)
        kept = [w for w in words if not content_terms(w) or all(t in self.scorer.weights.df for t in content_terms(w))]
        return " ".join(kept) if content_terms(" ".join(kept)) else text

    def _is_known(self, word: str) -> bool:
        terms = content_terms(word)
        return bool(terms) and all(t in self.scorer.weights.df for t in terms)

    def _known_share(self, text: str) -> float:
        terms = [t for t in content_terms(text) if not t.isdigit() and t not in _FRAME_TERMS]
        return sum(self._is_known(t) for t in terms) / len(terms) if terms else 1.0

    def read(self, plan: Plan, evidence: list[EvidenceSentence]) -> Reading:
        if plan.parts:
            return self._read_parts(plan, evidence)
        # a figure or date is often stated without the article's subject; a name must sit in the sentence that names the subject
        scores = self.sentence_scores(self._known(plan.focus), evidence, with_context=plan.kind not in ("person", "organisation", "place", "list", "role"))
        if plan.kind == "role" and len(scores):
            # "What title does X have?": read from every sentence naming X, however the rest of the question is worded
            return self._role(plan, evidence, scores, [int(j) for j in np.argsort(-scores)])
        refusal = self._unanswerable(plan, scores)
        if refusal is not None:
            return refusal
        band = TYPED_BAND if plan.kind in SLOT_KINDS or plan.kind in ("list", "compute") else BAND
        eligible = [j for j in np.argsort(-scores) if scores[j] >= max(self.threshold, float(scores.max()) * band)]
        if plan.attribute and plan.attribute not in GENERIC_NOUNS and plan.kind in ("amount", "count", "quantity"):
            about = [j for j in eligible if _mentions(evidence[j].text, plan.attribute)]
            if not about:
                return self._refuse(plan, scores, f"{plan.attribute}")
            eligible = about
        return self._by_kind(plan, evidence, scores, eligible, band)

    def _unanswerable(self, plan: Plan, scores: np.ndarray) -> Reading | None:
        """A refusal when the question's words are mostly unknown here, it asks for an attribute the collection never
        names ("what is the GDP…"), or nothing supports an answer well enough; None when reading may go on."""
        if self._known_share(plan.focus) < KNOWN_SHARE:
            return self._refuse(plan, scores, "")
        attribute_unknown = plan.attribute and plan.attribute not in GENERIC_NOUNS and not self._is_known(plan.attribute)
        if attribute_unknown and plan.kind not in ("list", "role"):
            return self._refuse(plan, scores, plan.attribute)
        if not len(scores) or float(scores.max()) < self.threshold:
            return self._refuse(plan, scores, "")
        return None

    def _by_kind(self, plan: Plan, evidence: list[EvidenceSentence], scores: np.ndarray, eligible: list[int], band: float) -> Reading:
        """The answer read the way the question's kind asks: computed, listed, a title, a typed span, or a sentence."""
        if plan.kind == "compute":
            return self._compute(plan, evidence, scores, eligible)
        if plan.kind == "list":
            return self._list(plan, evidence, scores, eligible)
        if plan.kind == "role":
            return self._role(plan, evidence, scores, eligible)
        if plan.kind == "person":
            scores, eligible = self._with_agents(plan, evidence, scores, eligible, band)
        if plan.kind in SLOT_KINDS:
            return self._slot(plan, evidence, scores, eligible)
        if plan.kind == "statement":
            # "What did X say…?" is answered by something reported as said, not by a sentence that merely names X
            eligible = [j for j in eligible if _REPORTED.search(evidence[j].text)]
            if not eligible:
                return self._refuse(plan, scores, plan.wh)
        verb = _asked_verb(plan.question)
        if verb:
            # "What did the talks focus on?": of the sentences about the talks, one that says what they focused on
            eligible = sorted(eligible, key=lambda j: not _mentions(evidence[j].text, verb))
        best = int(eligible[0])
        return Reading(short=evidence[best].text, support=[best])

    def _with_agents(self, plan: Plan, evidence: list[EvidenceSentence], scores: np.ndarray, eligible: list[int], band: float) -> tuple[np.ndarray, list[int]]:
        """A sentence naming the doer of the asked verb ("The delegation, received by Jo Bloggs, …") is read with its
        passage, because its subject is often only in the sentence before; other names must sit beside the subject."""
        in_context = self.sentence_scores(self._known(plan.focus), evidence, with_context=True)
        floor = max(self.threshold, float(in_context.max()) * band)
        scores = scores.copy()
        for j in np.argsort(-in_context):
            if in_context[j] < floor:
                break
            if int(j) not in eligible and any(_is_agent(plan.question, evidence[j].text, c) for c in candidates(evidence[j].text, "person", self.lowercase)):
                scores[j] = in_context[j]
                eligible = [*eligible, int(j)]
        return scores, eligible

    def _refuse(self, plan: Plan, scores: np.ndarray, _missing: str) -> Reading:
        closest = [int(j) for j in np.argsort(-scores)[:CLOSEST] if scores[j] >= CLOSEST_FLOOR] if len(scores) else []
        return Reading(refused=True, missing=indirect(plan.question), closest=closest)

    def _spans(self, plan: Plan, kind: str, evidence: list[EvidenceSentence], scores: np.ndarray, eligible: list[int]) -> list[tuple[float, int, Candidate]]:
        """Every span of ``kind`` in the eligible sentences, best first, none that merely repeats the question."""
        kinds = ("amount", "count") if kind == "quantity" else (kind,)
        question_folded = fold(plan.question)
        terms = set(content_terms(plan.focus))
        whose = owner(plan.question) if kind == "person" else ""
        # the owner must sit beside the name only when it tells people apart (a rare word, not the collection's main subject)
        if whose and self.scorer.weights.df.get(stem(whose), 0) > self.scorer.weights.n_docs * 0.3:
            whose = ""
        asked_titles = {w for w in re.findall(r"[a-z]+", plan.question.lower()) if w in TITLES and w not in _VAGUE_TITLES}
        years = set(re.findall(r"\b(?:1[89]|20)\d\d\b", plan.question))
        ahead = kind == "date" and bool(_FUTURE_QUESTION.search(plan.question))
        found = []
        for j in eligible:
            sentence = evidence[j].text
            if years and not years & set(re.findall(r"\b(?:1[89]|20)\d\d\b", sentence)) and evidence[j].date[:4] not in years:
                continue  # "…back in 2015": a figure from an article of another year, not dated 2015 in its sentence, is not it
            if ahead and not _FUTURE_SENTENCE.search(sentence):
                continue  # "when will it be signed?" is not answered by the date of a past step ("In April they agreed to sign…")
            for k in kinds:
                for span in candidates(sentence, k, self.lowercase):
                    if fold(span.text) and fold(span.text) in question_folded:
                        continue
                    if whose and not _beside(whose, sentence, span):
                        continue
                    held = {w for w in re.findall(r"[a-z]+", span.descriptor.lower()) if w in TITLES and w not in _VAGUE_TITLES}
                    if k == "person" and asked_titles and held and not _same_title(asked_titles, held):
                        continue  # "who is the president": not the person titled prime minister
                    weight = _date_weight(plan.question, span.text) if k == "date" else AGENT_BONUS if _is_agent(plan.question, sentence, span) else 1.0
                    found.append((weight * float(scores[j]) * (0.3 + 0.7 * self._local(terms, sentence, span)), int(j), span))
        return sorted(found, key=lambda x: -x[0])

    def _slot(self, plan: Plan, evidence: list[EvidenceSentence], scores: np.ndarray, eligible: list[int]) -> Reading:
        spans = self._spans(plan, plan.kind, evidence, scores, eligible)
        if plan.kind == "count" and not spans:
            spans = self._spans(plan, "amount", evidence, scores, eligible)
        if not spans:
            return self._refuse(plan, scores, plan.wh)
        best_score, j, span = spans[0]
        support = _distinct([j, *_corroboration(spans, evidence)], evidence)
        reading = Reading(short=_capitalise(span.text), support=support)
        rival = next(
            (s for s in spans[1:] if s[0] >= best_score * DISAGREE and s[2].kind == span.kind and _another_report(evidence, s[1], j) and _differs(s[2], span)),
            None,
        )
        if rival is not None and plan.kind in ("amount", "count", "quantity", "date", "duration"):
            reading.note = f"Reports differ: {span.text} [{{{j}}}] against {rival[2].text} [{{{rival[1]}}}]."
            reading.support.append(rival[1])
        return reading

    def _list(self, plan: Plan, evidence: list[EvidenceSentence], scores: np.ndarray, eligible: list[int]) -> Reading:
        items: list[str] = []
        support: list[int] = []
        seen: set[str] = set()
        named = self._named_enumeration(plan, evidence, scores, eligible) if plan.list_kind else None
        if named is not None:
            items, support = split_items(named[1].text), [named[0]]
        elif plan.list_kind:
            for _, j, span in self._spans(plan, plan.list_kind, evidence, scores, eligible):
                key = fold(span.text)
                if key in seen or any(key in s or s in key for s in seen):
                    continue
                seen.add(key)
                items.append(span.text)
                support += [j] if j not in support else []
        else:
            terms = set(content_terms(plan.focus))
            lists = [
                (float(scores[j]) * (0.5 + 0.5 * self._local(terms, evidence[j].text, span)), int(j), span) for j in eligible for span in enumerations(evidence[j].text)
            ]
            lists.sort(key=lambda x: -x[0])
            for score, j, span in lists[:2]:
                if score < lists[0][0] * BAND:
                    break
                for item in split_items(span.text):
                    key = fold(item)
                    if key and key not in seen:
                        seen.add(key)
                        items.append(item)
                support += [j] if j not in support else []
        if not items:
            best = int(eligible[0])
            return Reading(short=evidence[best].text, support=[best])
        return Reading(short=_capitalise(_join(items)), support=_distinct(support, evidence)[:4])

    def _named_enumeration(self, plan: Plan, evidence: list[EvidenceSentence], scores: np.ndarray, eligible: list[int]) -> tuple[int, Candidate] | None:
        """For a list of names (places, people, organisations): the best comma-and list whose items are all capitalised."""
        terms = set(content_terms(plan.focus))
        best = None
        for j in eligible:
            for span in enumerations(evidence[j].text):
                items = split_items(span.text)
                if len(items) >= 2 and all(item[:1].isupper() for item in items):
                    score = float(scores[j]) * (0.3 + 0.7 * self._local(terms, evidence[j].text, span))
                    if best is None or score > best[0]:
                        best = (score, int(j), span)
        return (best[1], best[2]) if best else None

    def _role(self, plan: Plan, evidence: list[EvidenceSentence], scores: np.ndarray, eligible: list[int]) -> Reading:
        """ "What is X's title?": the title phrase before X's name in each article; different titles are a disagreement."""
        names = [w for w in re.findall(r"[\w’'-]+", plan.question) if len(w) >= 3 and w.lower() not in self.lowercase and not w.islower()]
        names = names or [w for w in re.findall(r"[\w’'-]+", plan.question) if len(w) > 3 and w.lower() not in self.lowercase]
        titles: dict[int, tuple[str, int]] = {}
        for j in np.argsort(-scores):
            sentence = evidence[j].text
            for span in candidates(sentence, "person", self.lowercase):
                if span.descriptor and any(fold(n) in fold(span.text) for n in names):
                    title = _HONORIFIC.sub("", re.sub(r"^(?:\w+[’']s\s+)", "", span.descriptor)).strip()
                    if title:  # "Mr" is a form of address, not a title
                        titles.setdefault(evidence[j].passage, (title, int(j)))
        distinct: dict[str, tuple[str, int]] = {}
        for title, j in titles.values():
            distinct.setdefault(fold(re.sub(r"\b(?:of|for)\b", "", title)), (title, j))  # "Minister for Ports" is "Minister of Ports"
        if not distinct:
            return self._refuse(plan, scores, plan.wh)
        values = list(distinct.values())
        if len(values) == 1:
            return Reading(short=values[0][0], support=[values[0][1]])
        short = "The reports differ: " + "; ".join(f"{title} [{{{j}}}]" for title, j in values[:3])
        return Reading(short=short, support=[j for _, j in values[:3]])

    def _compute(self, plan: Plan, evidence: list[EvidenceSentence], scores: np.ndarray, eligible: list[int]) -> Reading:
        """Differences of years or amounts from two cited operands, with the arithmetic shown."""
        kind = "date" if re.search(r"\b(?:years?|months?)\b", plan.question, re.I) else "amount"
        operands: list[tuple[str, int | None, float]] = []
        for half in _halves(plan.question):
            literal = [c for c in candidates(half, kind) if (_year(c.text) if kind == "date" else number_value(c.text)) is not None]
            if literal:
                value = float(_year(literal[0].text) if kind == "date" else number_value(literal[0].text) or 0)
                cited = self._find_value(value, kind, evidence)
                operands.append((literal[0].text if cited is None else evidence[cited].text[:0] + literal[0].text, cited, value))
                continue
            found = self._operand(half, plan.focus, kind, evidence, exclude=[o[2] for o in operands])
            if found:
                operands.append(found)
        if len(operands) < 2:
            return self._refuse(plan, scores, plan.wh)
        (a_text, a_j, a), (b_text, b_j, b) = operands[:2]
        support = [j for j in (a_j, b_j) if j is not None]
        support = list(dict.fromkeys(support))
        refs = lambda j: f" [{{{j}}}]" if j is not None else " (the question)"  # noqa: E731
        if kind == "date":
            low, high = sorted([(a, a_text, a_j), (b, b_text, b_j)])
            diff = int(high[0] - low[0])
            return Reading(short=f"{diff} years", support=support, note=f"{int(high[0])}{refs(high[2])} − {int(low[0])}{refs(low[2])} = {diff} years.")
        (high, high_text, high_j), (low, low_text, low_j) = sorted([(a, a_text, a_j), (b, b_text, b_j)], key=lambda o: -o[0])
        diff = _money(high - low, high_text)
        return Reading(short=f"About {diff}", support=support, note=f"{high_text}{refs(high_j)} − {low_text}{refs(low_j)} = {diff}.")

    def _find_value(self, value: float, kind: str, evidence: list[EvidenceSentence]) -> int | None:
        """A sentence stating ``value`` (so a figure the question gives is cited too)."""
        for j, ev in enumerate(evidence):
            for span in candidates(ev.text, kind):
                if (_year(span.text) if kind == "date" else number_value(span.text)) == value:
                    return j
        return None

    def _operand(self, phrase: str, whole: str, kind: str, evidence: list[EvidenceSentence], exclude: list[float]) -> tuple[str, int, float] | None:
        """The value of ``kind`` that ``phrase`` refers to: in its best sentence, the one nearest the phrase's words.
        The whole question counts at half weight: "the target they set" is a target for what the question is about."""
        scores = self.sentence_scores(phrase, evidence) + 0.5 * self.sentence_scores(whole, evidence)
        terms = set(content_terms(phrase))
        best = None
        for j in np.argsort(-scores)[:OPERAND_SENTENCES]:
            for span in candidates(evidence[j].text, kind):
                value = _year(span.text) if kind == "date" else number_value(span.text)
                if value is None or value in exclude:
                    continue
                score = float(scores[j]) * (0.3 + 0.7 * self._local(terms, evidence[j].text, span))
                if best is None or score > best[0]:
                    best = (score, span.text if kind != "date" else str(int(value)), int(j), value)
        return (best[1], best[2], best[3]) if best else None

    def _read_parts(self, plan: Plan, evidence: list[EvidenceSentence]) -> Reading:
        readings = [self.read(part, evidence) for part in plan.parts]
        answered = [r for r in readings if not r.refused]
        if not answered:
            return readings[0]
        reading = Reading(short="; ".join(r.short.rstrip(".") for r in answered), support=[j for r in answered for j in r.support])
        reading.support = list(dict.fromkeys(reading.support))
        notes = [r.note for r in answered if r.note]
        missing = [r.missing for r in readings if r.refused]
        if missing:
            notes.append("The articles don't say " + " or ".join(missing) + ".")
        reading.note = " ".join(notes)
        return reading


# words that frame a question ("how does X compare with Y") rather than name what it is about
_FRAME_TERMS = frozenset(content_terms("compare compared comparison difference differ gap"))
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Sir|Madam)\b\.?", re.I)
_VAGUE_TITLES = frozenset({"deputy", "federal", "state", "head", "leader", "chief", "general", "vice", "mr", "mrs", "ms", "dr", "counterpart"})
_TITLE_SYNONYMS = ({"envoy", "ambassador"}, {"chairman", "chairwoman", "chair"}, {"premier", "prime"})


def _same_title(asked: set[str], held: set[str]) -> bool:
    """The person holds the asked-for title ('prime minister' holds 'minister'; an envoy is an ambassador)."""
    widened = set(held)
    for group in _TITLE_SYNONYMS:
        if group & held:
            widened |= group
    return bool(asked & widened) and not ("president" in asked and "president" not in widened)


_REPORTED = re.compile(
    r"\b(?:said|says|stated|told|noted|stressed|emphasi[sz]ed|added|announced|highlighted|described|expressed|underscored|remarked"
    r"|declared|urged|warned|insisted|explained|confirmed|according to)\b|[“\"][^”\"]{12,}[”\"]",
    re.I,
)
_FUTURE_QUESTION = re.compile(r"^\W*when\s+(?:will|does|do|is|are)\b(?!.*\b(?:did|was|were)\b)|\b(?:going|expected|due|supposed|scheduled|set)\s+to\b", re.I)
_FUTURE_SENTENCE = re.compile(
    r"\b(?:will|would|shall|expected|due|plans? to|planned|scheduled|set to|upcoming|forthcoming|ahead of|next|later this|coming|soon|to be held)\b", re.I
)
_WEEKDAY = re.compile(rf"\b(?:{WEEKDAY_WORDS})\b", re.I)


_PREPOSITIONS = frozenset("about of for with in on at to from by".split())


def _asked_verb(question: str) -> str:
    """The verb a "what did X <verb> (on)?" question ends with: 'focus' in 'what did the talks focus on?'."""
    m = re.match(r"^\W*what (?:did|does|do|will|would|has|have|had) ((?:[\w’'-]+ ){1,5})(\w{4,})(?: (?:on|about|for|to|with|at|in))?\W*$", question.lower())
    if not m or m.group(2) in STOPWORDS or set(m.group(1).split()) & _PREPOSITIONS:
        return ""  # the subject runs into a prepositional phrase: the last word is a noun, not the verb
    return m.group(2)


def _is_agent(question: str, sentence: str, span: Candidate) -> bool:
    """ "Who received the delegation?" — "the delegation, received by Secretary Jo Bloggs": the span is the asked verb's agent."""
    q = question.lower()
    if re.match(r"^\W*who\s+(?:travel|came|come|went|go|flew|fly|arrived)\w*\s+with\b", q):
        verb = "accompanied"  # who travelled with X ← "X, accompanied by Y"
    else:
        m = re.match(r"^\W*who\s+(\w{3,})\b", q)
        if not m or m.group(1) in ("is", "was", "are", "were", "has", "had", "did", "does", "will"):
            return False
        verb = m.group(1)
    return bool(re.search(rf"\b{re.escape(verb)}\s+by\s+(?:[\w’'.-]+\s+){{0,5}}$", sentence[: span.start], re.I))


def _date_weight(question: str, date: str) -> float:
    """How well a date answers the question's "when": a weekday for "day of the week", a day (not a bare
    year or month) for "what day", and a relative date ("later this year") says less than a named one."""
    if re.search(r"\bday of (?:the )?week\b|\bweekday\b", question, re.I):
        return 1.0 if _WEEKDAY.search(date) else 0.3
    has_day = bool(_WEEKDAY.search(date) or re.search(r"(?<![\d-])\d{1,2}(?:st|nd|rd|th)?\b(?![-–/]\d)", date))
    if re.search(r"\bwhat day\b|\bwhich day\b", question, re.I) and not has_day:
        return 0.5
    return RELATIVE_DATE if not re.search(r"\d|" + MONTH_WORDS, date, re.I) else 1.0


def _beside(word: str, sentence: str, span: Candidate) -> bool:
    """``word`` (or its demonym) in the span's title phrase or within four words of it."""
    near = sentence[: span.start].split()[-4:] + sentence[span.end :].split()[:4] + span.descriptor.split()
    return any(is_demonym_of(re.sub(r"[’']s$|\W", "", w), word) or fold(w).startswith(fold(word)) for w in near if len(w) > 2)


def _mentions(sentence: str, word: str) -> bool:
    target = stem(word.lower())
    terms = set(content_terms(sentence))
    return target in terms or any(t.startswith(target[:5]) and len(target) >= 5 for t in terms)


def _distinct(indices: list[int], evidence: list[EvidenceSentence]) -> list[int]:
    """One index per distinct sentence text (overlapping chunks repeat sentences)."""
    seen: set[str] = set()
    kept = []
    for j in indices:
        if evidence[j].text not in seen:
            seen.add(evidence[j].text)
            kept.append(j)
    return kept


def _halves(question: str) -> list[str]:
    """The two things a difference is taken between: 'between A and B', 'A compared with B', 'A from B'."""
    m = re.search(r"\bbetween\s+(.+?)\s+and\s+(.+)$", question, re.I)
    if m:
        return [m.group(1), m.group(2)]
    parts = re.split(r"\bcompared? (?:with|to)\b|\bfrom\b|\bthan\b", question, maxsplit=1, flags=re.I)
    return parts if len(parts) == 2 else [question]


def _corroboration(spans: list[tuple[float, int, Candidate]], evidence: list[EvidenceSentence]) -> list[int]:
    """Another article's sentence giving the same answer about as well (not merely naming it): cited too."""
    best_score, j, span = spans[0]
    key = fold(span.text)
    for score, k, other in spans[1:]:
        if score < best_score * DISAGREE:
            break
        if fold(other.text) == key and _another_report(evidence, k, j):
            return [k]
    return []


def _another_report(evidence: list[EvidenceSentence], k: int, j: int) -> bool:
    return evidence[k].passage != evidence[j].passage and evidence[k].text != evidence[j].text


def _differs(a: Candidate, b: Candidate) -> bool:
    va, vb = number_value(a.text), number_value(b.text)
    if va is not None and vb is not None:
        return va != vb
    return fold(a.text) != fold(b.text)


def _year(text: str) -> float | None:
    m = re.search(r"\b(1[89]\d\d|20\d\d)\b", text)
    return float(m.group(1)) if m else None


def _money(value: float, like: str) -> str:
    """Write ``value`` the way ``like`` is written: '$761 million' next to '$1 billion'."""
    symbol = next((c for c in like if c in "$€£¥"), "")
    for scale, factor in (("billion", 1e9), ("million", 1e6)):
        if value >= factor:
            number = f"{value / factor:.2f}".rstrip("0").rstrip(".")
            return f"{symbol}{number} {scale}"
    return f"{symbol}{value:,.0f}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
