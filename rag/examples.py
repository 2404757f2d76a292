"""Example questions for the chat page, made from the loaded collection and answered before they are offered.

Questions are built from the parse stored with the chunks: for each person
named with a title ("Transport Minister Omar Vidal"), "Who is the Transport
Minister?"; for each person who said something, "What did <name> say?". Each
is asked through the facade and those the system answers with most
confidence are offered: a newcomer's first click shows what the assistant
does well, on any collection, and never a question about nothing in it.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rag.errors import RagError
from rag.schema import Outcome
from rag.text.parse import Annotation

if TYPE_CHECKING:
    from rag.assistant import Assistant

CHUNKS = 200  # chunks read for names: enough for a taste, cheap on any collection
CANDIDATES = 6  # questions tried; each is one extractive answer (~50 ms)


def candidate_questions(chunks: list[tuple[str, str]]) -> list[str]:
    """Questions about the people the chunks name most often with a title, or quote, most mentioned first."""
    counts: Counter[str] = Counter()
    for text, stored in chunks:
        annotation = Annotation.loads(stored)
        tokens = annotation.tokens
        for entity in annotation.entities:
            if entity.label != "PERSON" or entity.end - entity.start < 2:
                continue
            name = text[tokens[entity.start].start : tokens[entity.end - 1].end]
            title = _title_before(text, annotation, entity.start)
            if title:
                counts[f"Who is the {title}?"] += 1
            root = next((i for i in range(entity.start, entity.end) if not entity.start <= tokens[i].head < entity.end), entity.start)
            if tokens[root].dep == "nsubj" and tokens[tokens[root].head].lemma == "say":
                counts[f"What did {name} say?"] += 1
    return [question for question, _ in counts.most_common(CANDIDATES)]


def _title_before(text: str, annotation: Annotation, start: int) -> str:
    """The capitalised title words right before a name that hang on it ("Transport Minister" before "Omar Vidal")."""
    tokens = annotation.tokens
    named = {i for e in annotation.entities if e.label == "PERSON" for i in range(e.start, e.end)}
    words = []
    i = start - 1
    while i >= 0 and i not in named and tokens[i].dep == "compound" and tokens[i].pos in ("PROPN", "NOUN") and text[tokens[i].start].isupper():
        words.insert(0, text[tokens[i].start : tokens[i].end])
        i -= 1
    return " ".join(words) if len(words) >= 2 else ""


def example_questions(assistant: Assistant, n: int = 3) -> list[str]:
    """Up to ``n`` questions about this collection that the assistant answers, the most confident first."""
    try:
        chunks = [(text, str(meta.get("annotation", ""))) for text, meta in assistant.store.chunk_sample(CHUNKS)]
        answered = []
        for question in candidate_questions(chunks):
            # the reader alone picks them (the check would cost seconds per candidate at start-up); a user's click is checked
            answer = assistant.ask(question, backend="extractive", check=False)
            if answer.outcome != Outcome.NOT_FOUND:
                answered.append((answer.outcome != Outcome.ANSWER, -answer.confidence, question))
    except RagError:
        return []
    return [question for *_, question in sorted(answered)[:n]]
