"""Re-word a question the way people type it: lower case, no punctuation, shorthand, a typo or two.

Generated, not hand-written, and seeded by the question's id so a run is
repeatable: the perturbation suite asks every gold question this way and
checks the outcome (facts given / refused) does not change.
"""

from __future__ import annotations

import random
import re

# Chat and newsroom shorthand, whole words or phrases (any news collection uses these).
SHORTHAND = (
    ("prime minister", "pm"),
    ("foreign minister", "fm"),
    ("government", "govt"),
    ("between", "b/w"),
    ("through", "thru"),
    ("years", "yrs"),
    ("what is", "whats"),
    ("who is", "whos"),
    ("and", "&"),
    ("are", "r"),
    ("you", "u"),
    ("information technology", "it"),
    ("international", "intl"),
    ("department", "dept"),
    ("about", "abt"),
    ("because", "bc"),
    ("please", "pls"),
)
_WORD = re.compile(r"[A-Za-z]{5,}")


def _typo(word: str, rng: random.Random) -> str:
    """One slip of the keyboard inside the word (its first letter stays)."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def perturb(question: str, seed: str) -> str:
    """Lower case, punctuation dropped, shorthand for long forms, and one or two typos in longer words."""
    rng = random.Random(seed)
    text = question.lower()
    text = re.sub(r"[?!.,;:\"“”]", "", text)
    for long, short in SHORTHAND:
        text = re.sub(rf"\b{re.escape(long)}\b", short, text)
    words = list(_WORD.finditer(text))
    for match in sorted(rng.sample(words, min(len(words), 1 + (len(words) > 4))), key=lambda m: -m.start()):
        text = text[: match.start()] + _typo(match.group(0), rng) + text[match.end() :]
    return " ".join(text.split())
