"""Example questions for the chat page, made from the loaded collection and answered before they are offered.

A few questions are built from what the articles name (people with a title:
"What is <name>'s job?", "Who is the <title>?"), each is asked through the
facade, and those the system answers with the most confidence are offered:
a newcomer's first click shows what the assistant does well, on any
collection, and never a question it cannot answer.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from rag.errors import RagError
from rag.sentences import split_sentences

if TYPE_CHECKING:
    from rag.assistant import Assistant

CANDIDATES = 10  # questions tried; each is one extractive answer (~50 ms)
_HONORIFIC = re.compile(r"^(?:Mr|Mrs|Ms|Dr|Sir)\.?\s+|[’']s\b", re.I)


def candidate_questions(texts: list[str], lowercase_words: frozenset[str]) -> list[str]:
    """Questions about the people the articles name most often with a title, most mentioned first."""
    from rag.candidates import people_and_orgs

    names: Counter[str] = Counter()
    titles: dict[str, str] = {}
    for text in texts:
        for sentence in split_sentences(text):
            for found in people_and_orgs(sentence, lowercase_words):
                if found.kind == "person" and len(found.text.split()) >= 2:
                    names[found.text] += 1
                    title = _HONORIFIC.sub("", found.descriptor).strip()
                    if len(title.split()) >= 2 and title[:1].isupper():
                        titles.setdefault(found.text, title)
    questions = []
    for name, _ in names.most_common():
        questions.append(f"What is {name}'s job?")
        if name in titles:
            questions.append(f"Who is the {titles[name]}?")
    return list(dict.fromkeys(questions))[:CANDIDATES]


def example_questions(assistant: Assistant, n: int = 3) -> list[str]:
    """Up to ``n`` questions about this collection that the assistant answers, the most confident first."""
    try:
        texts = [doc.get_content() for doc in assistant.store.articles().values()]
        if not texts:
            return []
        lowercase = assistant.parts().reader.lowercase
        answered = []
        for question in candidate_questions(texts, lowercase):
            answer = assistant.ask(question, backend="extractive")
            if answer.outcome != "not_found":
                answered.append((answer.outcome != "answer", -answer.confidence, question))
    except RagError:
        return []
    return [question for *_, question in sorted(answered)[:n]]
