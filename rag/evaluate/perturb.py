"""Re-word a question the way people type it: lower case, no punctuation, apostrophes dropped, a casual opener, typos.

Generated, not hand-written, and seeded by the question's id so a run is
repeatable. It knows nothing of the system under test: no word list here is
shared with the question normaliser (a perturbation that mirrors the
system's own shorthand table only tests that table), and the typos are the
slips a keyboard makes (a neighbouring key, two letters swapped, one
dropped or doubled), placed at random in the longer words.
"""

from __future__ import annotations

import random
import re

# Openers people put before a question in a chat box; none carries meaning.
OPENERS = ("", "", "hey ", "quick question: ", "do you know ", "can you tell me ")
# QWERTY neighbours, for the commonest typo: the key next to the right one.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {
    key: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)) + "".join(other[i] for other in _ROWS if other is not row and i < len(other))
    for row in _ROWS
    for i, key in enumerate(row)
}
_WORD = re.compile(r"[a-z]{5,}")


def _typo(word: str, rng: random.Random) -> str:
    """One slip of the keyboard inside the word (its first letter stays)."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("neighbour", "swap", "drop", "double"))
    if kind == "neighbour" and _NEIGHBOURS.get(word[i]):
        return word[:i] + rng.choice(_NEIGHBOURS[word[i]]) + word[i + 1 :]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def perturb(question: str, seed: str) -> str:
    """Lower case, punctuation and apostrophes dropped ("kazakhstan's" → "kazakhstans"), maybe a casual opener,
    and one or two typos in words of five letters or more."""
    rng = random.Random(seed)
    text = question.lower()
    text = re.sub(r"[’']", "", text)
    text = re.sub(r"[?!.,;:\"“”]", "", text)
    text = rng.choice(OPENERS) + text
    words = list(_WORD.finditer(text))
    for match in sorted(rng.sample(words, min(len(words), 1 + (len(words) > 4))), key=lambda m: -m.start()):
        text = text[: match.start()] + _typo(match.group(0), rng) + text[match.end() :]
    return " ".join(text.split())
