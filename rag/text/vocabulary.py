"""Map a user's words onto the collection's own vocabulary: typos corrected.

"how much did the harbor termnal cost" must find the passages about the
harbour terminal: BM25 and the support scorer match whole words, so a
misspelt name matches nothing. Corrections come from the collection itself
(its chunk term frequencies), never from a topic word list, so they hold for
any collection. Hand-written: the stack has no spelling corrector; this is
the symmetric-delete method (SymSpell) over the collection's terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.text.lexical import STOPWORDS, TermWeights, stem

# Everyday ways to say "current"; rewritten only when the collection itself says "current".
_PRESENT = re.compile(r"\b(?:right now|at the moment|at present|these days|nowadays|currently|presently|as of now|rn)\b", re.I)
_TOKEN = re.compile(r"[\w/&]+(?:['’]\w+)?|[^\w\s]", re.UNICODE)
MIN_TYPO_LENGTH = 4


def damerau(a: str, b: str) -> int:
    """Edit distance counting an adjacent swap as one edit."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass
class Normalised:
    """The question as the collection spells it, and what was changed (shown to no one, kept for debugging and tests)."""

    text: str
    corrections: dict[str, str] = field(default_factory=dict)


class Vocabulary:
    """The collection's terms (stemmed, with chunk frequencies) and a delete index for typo lookup."""

    def __init__(self, weights: TermWeights, english: frozenset[str] = frozenset()) -> None:
        self.df = weights.df
        self.english = english  # real words ("week") are never "corrected" into a collection word ("seek")
        self._index: dict[str, list[str]] | None = None

    def __contains__(self, term: str) -> bool:
        return term in self.df

    def _delete_index(self) -> dict[str, list[str]]:
        if self._index is None:
            index: dict[str, list[str]] = {}
            for term in self.df:
                if len(term) >= MIN_TYPO_LENGTH and term.isalpha():
                    for key in _deletes(term) | {term}:
                        index.setdefault(key, []).append(term)
            self._index = index
        return self._index

    def correct(self, word: str) -> str | None:
        """The collection term closest to an unknown ``word`` (1 edit; 2 for long words), most frequent first."""
        if len(word) < MIN_TYPO_LENGTH or not word.isalpha():
            return None
        index = self._delete_index()
        limit = 1 if len(word) < 7 else 2
        keys = {word} | _deletes(word)
        if limit == 2:
            keys |= {d2 for d in _deletes(word) for d2 in _deletes(d)}
        candidates = {t for key in keys for t in index.get(key, ())}
        scored = [(damerau(word, t), -self.df[t], t) for t in candidates]
        scored = [s for s in scored if s[0] <= limit]
        return min(scored)[2] if scored else None

    def normalise(self, question: str) -> Normalised:
        """Replace misspelt words with the collection's spelling. Chat shorthand is not expanded: a word list of it
        turns "3 pm" into "3 prime minister"; the dense ranking reads "pm" near "prime minister" on its own."""
        out: list[str] = []
        corrections: dict[str, str] = {}
        if "current" in self.df and _PRESENT.search(question):
            question = _PRESENT.sub("current", question)
            corrections["(present time)"] = "current"
        for token in _TOKEN.findall(question):
            lower = token.lower()
            base = re.sub(r"['’]s$", "", lower)
            if not base.isalpha() or base in STOPWORDS or stem(base) in self.df or base in self.df or base in self.english:
                out.append(token)
                continue
            fixed = self.correct(base)
            if fixed is None:
                out.append(token)
                continue
            # The index holds stems ("visit"); keep the user's ending when the stem is a prefix of their word.
            word = fixed if not base.startswith(fixed[:-1]) else base
            word = fixed if stem(word) not in self.df else word
            corrections[token] = word
            out.append(word)
        text = " ".join(out)
        text = re.sub(r"\s+([?.!,;:])", r"\1", text)
        return Normalised(text, corrections)
