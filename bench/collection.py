"""A deterministic, realistic-looking news collection of any size, for benchmarks.

Articles are news-length (700-1,100 words, about 10 chunks each), built from a fixed vocabulary of
ordinary newsroom words plus generated proper names (so vocabulary grows with
the collection, as it does in real news), with a headline, a dateline, an
outlet line, and 5 % near-duplicates (another article's text with one
sentence changed, as when two outlets run the same wire story).
"""

from __future__ import annotations

import random
from pathlib import Path

WORDS = """government minister council city officials report agreement trade talks project budget plan market
company workers union court police hospital school university water energy power transport railway road port
airport bridge housing farmers harvest prices inflation exports imports investment bank loan tax election
parliament committee inquiry weather storm flood drought fire festival museum library team season coach match
players fans league cup record growth decline survey study researchers scientists data technology software network
security border visit delegation summit meeting statement spokesperson director chairman president mayor residents
community village region province district capital country neighbours partners cooperation development support
funding million billion percent year month week day morning evening new old major local national international
public private annual quarterly final first second third several many few announced said added noted warned
expected agreed signed opened closed launched approved rejected increased reduced raised cut built planned
discussed reviewed confirmed denied proposed welcomed criticised reported""".split()
OUTLETS = ["Daily Ledger", "Harbour Post", "Valley Times", "Metro Herald", "Coastal Wire", "Northern Gazette"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


def _name(rng: random.Random) -> str:
    syllables = ["ka", "lo", "mi", "ra", "ten", "vor", "sa", "bel", "dun", "ix", "mar", "tol", "quen", "ash", "ri", "gor"]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()


def _sentence(rng: random.Random, names: list[str]) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 24))]
    for _ in range(rng.randint(1, 3)):
        words.insert(rng.randrange(len(words)), rng.choice(names))
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 950)}")
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def article(i: int, rng: random.Random) -> str:
    names = [_name(rng) for _ in range(6)]
    headline = " ".join(w.capitalize() for w in [rng.choice(names), *rng.sample(WORDS, 6)])
    outlet = rng.choice(OUTLETS)
    date = f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2015, 2025)}"
    paragraphs = []
    for _ in range(rng.randint(9, 13)):
        paragraphs.append(" ".join(_sentence(rng, names) for _ in range(rng.randint(3, 5))))
    dateline = f"{names[0].upper()}: "
    return f"{headline}\n\nPublished in {outlet}, {date}\n\n{dateline}{chr(10).join(paragraphs)}\n"


def write_collection(folder: Path, n_articles: int, seed: int = 7, duplicate_share: float = 0.05) -> list[Path]:
    """Write ``n_articles`` files into ``folder``; the same seed gives the same bytes."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    texts: list[str] = []
    paths = []
    for i in range(n_articles):
        if texts and rng.random() < duplicate_share:
            source = rng.choice(texts).split(". ")
            source[rng.randrange(len(source))] = _sentence(rng, [_name(rng)]).rstrip(".")
            text = ". ".join(source)
        else:
            text = article(i, rng)
        texts.append(text)
        path = folder / f"bench_{i:05d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
