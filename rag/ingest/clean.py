"""Repair damaged words and drop web-page chrome, keeping a clean→raw offset map.

Hand-written: no library in the stack repairs words broken by stray hyphens
or strips site chrome while tracking offsets, and citations need the offsets.

Rules, none of them tied to a topic:
- A hyphenated token is re-joined where the joined form (or a split into
  fewer known words) is a word the collection or the embedding model's
  vocabulary knows; real compounds (``people-to-people``, ``two-day``) have
  no such joined form and stay. Tokens with digits (``13-member``,
  ``2025-26``) are never touched.
- Only whole lines are dropped, so every kept line of the body is byte-identical
  to the raw file (apart from repaired words). Dropped, by signals any news
  page shows rather than one site's markup:
  - share bars (every token names a share target) and short calls to act
    ("Join our channel", "Follow us on X", "Sign up for our newsletter");
  - date stamps above the first paragraph, and bylines with a date anywhere
    (a sentence that mentions a date is never one);
  - a trailing teaser block: from a section label ("Related", "Most read", …)
    with a link or teaser line under it, the rest of the page when most of it
    is such short lines — never a label that has body prose after it — and,
    without a label, two or more short capitalised headlines ending the page;
  - lines the same outlet repeats across three or more of its articles (its
    page template), whatever their wording;
  - a line repeating the previous one (an image caption shown twice).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rag.text.dates import DATE_PATTERN
from rag.text.offsets import OffsetMap

LETTERS = r"[^\W\d_]"
HYPHENATED = re.compile(rf"{LETTERS}+(?:-+{LETTERS}+)+")
STANDALONE_WORD = re.compile(rf"(?<![\w-]){LETTERS}{{2,}}(?![\w-])")
SUFFIXES = ("s", "es", "ed", "d", "ing", "ly")

# Signals that hold on any news page, not one site's markup (issue 12):
SHARE_TARGETS = r"share|tweet|facebook|twitter|x|whatsapp|linkedin|instagram|telegram|threads|bluesky|e-?mail|print|copy|link|pinterest|reddit|messenger"
# a share bar: every token names a share target, in any markup ("Share", "icon-facebook", "fa_twitter")
SHARE_BAR = re.compile(rf"(?:[\w-]*?(?:{SHARE_TARGETS})[\w-]*[\s,|/·•]*)+", re.IGNORECASE)
# calls to act: join/follow/subscribe/sign up/download + where (channel, newsletter, app, social network), on a short line
PROMO = re.compile(
    r"\b(?:join|follow|subscribe|sign up|download|get)\b(?!-).{0,60}\b(?:channel|newsletter|app|group|community|updates|alerts|"
    r"x|twitter|facebook|linkedin|instagram|whatsapp|telegram|google news|youtube|tiktok)\b|^(?:advertisement|sponsored(?: content)?|subscribe)$",
    re.IGNORECASE,
)
# labels news sites put over teaser lists and sidebars; one only counts with a teaser block below it
SECTION_LABEL = re.compile(
    r"(?:related(?: \w+)?|read (?:more|also|next)|also read|more (?:from|stories|news|on)\b.*|latest(?: \w+)?|most (?:popular|read|viewed|shared)|"
    r"trending(?: now)?|recommended(?: for you)?|you (?:may|might) (?:also )?like|top stories|editor'?s picks|must read|don'?t miss|"
    r"opinion|editorial|what to read next|explore more|in other news|popular now)",
    re.IGNORECASE,
)
BYLINE = re.compile(r"\b(?:published|updated|posted|last modified)\b", re.IGNORECASE)
SENTENCE_END = (".", "!", "?", '"', "”", "’", "…", ")")
SHORT_WORDS = 12  # a teaser or link line: at most this many words and no sentence ending
PROSE_WORDS = 12  # a body line: at least this many words, ending a sentence
TEASER_SHARE = 0.6  # a trailing block under a section label is a footer when this share of its lines are short
REPEATED_IN = 3  # a short line in this many articles of one outlet is the outlet's template
REPEATED_WORDS = 25


@dataclass
class CleanText:
    """An article's clean text and how to find each character in the raw file."""

    text: str
    offsets: OffsetMap


def collection_vocabulary(texts: Iterable[str]) -> set[str]:
    """Lower-cased words that stand alone (not glued to a hyphen) in ``texts``."""
    words: set[str] = set()
    for text in texts:
        words.update(m.group(0).lower() for m in STANDALONE_WORD.finditer(text))
    return words


def _is_known(word: str, vocabulary: set[str]) -> bool:
    word = word.lower()
    if word in vocabulary:
        return True
    return any(word.endswith(s) and word[: -len(s)] in vocabulary for s in SUFFIXES if len(word) > len(s) + 2)


def repair_token(token: str, vocabulary: set[str]) -> str:
    """Re-join a hyphen-damaged token into the fewest known words.

    Groups may only be separated by a single hyphen (real compounds never use
    ``--``). When no split into known words exists the token is left alone,
    unless it holds a ``--`` run, which only damage produces.
    """
    parts = re.split(r"(-+)", token)
    segments, separators = parts[0::2], parts[1::2]
    n = len(segments)
    # best[i]: fewest known groups covering segments[:i], with the split that got there
    best: list[tuple[int, list[int]] | None] = [None] * (n + 1)
    best[0] = (0, [])
    for end in range(1, n + 1):
        for start in range(end):
            if best[start] is None or (start > 0 and separators[start - 1] != "-"):
                continue
            if not _is_known("".join(segments[start:end]), vocabulary):
                continue
            count = best[start][0] + 1
            if best[end] is None or count < best[end][0]:
                best[end] = (count, best[start][1] + [start])
    if best[n] is None:
        return "".join(segments) if "--" in token else token
    starts = best[n][1] + [n]
    return "-".join("".join(segments[a:b]) for a, b in itertools.pairwise(starts))


def _is_short(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= SHORT_WORDS and not line.endswith(SENTENCE_END)


def _is_prose(line: str) -> bool:
    return len(line.split()) >= PROSE_WORDS and line.endswith(SENTENCE_END)


def _is_meta_line(line: str, in_header: bool) -> bool:
    """A date stamp (in the header, above the first paragraph) or a byline with a date (anywhere; never a sentence)."""
    without_dates = DATE_PATTERN.sub(" ", line)
    if without_dates == line or line.endswith("."):
        return False
    words = without_dates.split()
    return (in_header and len(words) <= 3) or (bool(BYLINE.search(line)) and len(words) <= SHORT_WORDS)


def is_chrome(line: str) -> bool:
    """A share bar, or a call to act: short, or opening the line ("Follow us on X, LinkedIn … for more")."""
    if SHARE_BAR.fullmatch(line):
        return True
    promo = PROMO.search(line)
    return bool(promo) and (promo.start() == 0 or (len(line.split()) <= SHORT_WORDS and not line.endswith(".")))


def _footer_start(lines: list[str], body_start: int) -> int:
    """Index of the first line of a trailing teaser block (related links, most-read lists, other pieces' teasers), or len(lines).

    A footer opens with a section label followed by a list (two short link or teaser lines), after the body began,
    and most of the page from there on is such short lines. A label inside the body ("Opinion" over a paragraph,
    "Related" then a figure then more prose) has no list under it, so it never cuts the article. Lone tag words right above the label
    ("Economy") go with it.
    """
    stripped = [line.strip() for line in lines]
    nonblank_after = [0] * (len(lines) + 1)
    short_after = [0] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        nonblank_after[i] = nonblank_after[i + 1] + bool(stripped[i])
        short_after[i] = short_after[i + 1] + _is_short(stripped[i])
    for i in range(body_start + 1, len(lines)):
        if not SECTION_LABEL.fullmatch(stripped[i]):
            continue
        following = [line for line in stripped[i + 1 : i + 8] if line][:2]
        if len(following) == 2 and all(map(_is_short, following)) and short_after[i] >= TEASER_SHARE * nonblank_after[i]:
            start = i
            while i > 0 and (not stripped[i - 1] or (len(stripped[i - 1].split()) <= 3 and _is_short(stripped[i - 1]))):
                i -= 1
                if stripped[i]:
                    start = i
            return start
    return _headline_tail(stripped, body_start)


def _is_headline_like(line: str) -> bool:
    """A teaser: a short capitalised line of three words or more with no sentence ending, not a dated entry."""
    words = line.split()
    return 3 <= len(words) <= SHORT_WORDS and line[:1].isupper() and not line.endswith(SENTENCE_END) and not line[:1].isdigit()


def _headline_tail(stripped: list[str], body_start: int) -> int:
    """Where an unlabelled block of two or more teaser headlines ending the page starts (len when there is none):
    other pieces' headlines listed after the article ("Trending Now" without its label)."""
    start, count = len(stripped), 0
    for i in range(len(stripped) - 1, body_start, -1):
        if not stripped[i]:
            continue
        if not _is_headline_like(stripped[i]):
            break
        start, count = i, count + 1
    return start if count >= 2 else len(stripped)


def repeated_lines(articles: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """outlet → its short lines found in `REPEATED_IN` or more of its articles: its page template (a promo, a section
    name, a disclaimer), whatever its wording. ``articles``: (outlet or folder, raw text). Outlets without one are left out."""
    seen: dict[str, Counter[str]] = {}
    for outlet, raw in articles:
        seen.setdefault(outlet, Counter()).update({line.strip() for line in raw.splitlines() if 0 < len(line.split()) <= REPEATED_WORDS})
    templates = {outlet: frozenset(line for line, count in counts.items() if count >= REPEATED_IN) for outlet, counts in seen.items()}
    return {outlet: lines for outlet, lines in templates.items() if lines}


def clean_article(raw: str, vocabulary: set[str], template: frozenset[str] = frozenset(), body_from: int = 0) -> CleanText:
    """Clean ``raw`` and record, for every kept character, where it came from. ``template``: this outlet's repeated
    lines; ``body_from``: where the article starts (after YAML front matter, which is metadata, not text)."""
    lines = raw.splitlines(keepends=True)
    body_start = next((i for i, line in enumerate(lines) if _is_prose(line.strip())), len(lines))
    footer = _footer_start(lines, body_start)
    out_chars: list[str] = []
    positions: list[int] = []
    previous = ""
    offset = 0
    for index, line in enumerate(lines):
        line_start, offset = offset, offset + len(line)
        stripped = line.strip()
        furniture = stripped in template or is_chrome(stripped) or _is_meta_line(stripped, index < body_start) or stripped == previous
        if index >= footer or line_start < body_from or (stripped and furniture):
            continue
        if stripped:
            previous = stripped
        cursor = 0
        for match in HYPHENATED.finditer(line):
            fixed = repair_token(match.group(0), vocabulary)
            _copy(line, cursor, match.start(), line_start, out_chars, positions)
            if fixed == match.group(0):
                _copy(line, match.start(), match.end(), line_start, out_chars, positions)
            else:
                _copy_kept(match.group(0), fixed, line_start + match.start(), out_chars, positions)
            cursor = match.end()
        _copy(line, cursor, len(line), line_start, out_chars, positions)
    return CleanText("".join(out_chars), OffsetMap.from_positions(positions))


def _copy(line: str, start: int, end: int, line_start: int, out: list[str], positions: list[int]) -> None:
    out.extend(line[start:end])
    positions.extend(range(line_start + start, line_start + end))


def _copy_kept(damaged: str, fixed: str, raw_start: int, out: list[str], positions: list[int]) -> None:
    """Copy the characters of ``damaged`` that survive into ``fixed`` (a subsequence)."""
    j = 0
    for i, ch in enumerate(damaged):
        if j < len(fixed) and ch == fixed[j]:
            out.append(ch)
            positions.append(raw_start + i)
            j += 1
