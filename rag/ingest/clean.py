"""Repair damaged words and drop web-page chrome, keeping a clean→raw offset map.

Hand-written: no library in the stack repairs words broken by stray hyphens
or strips site chrome while tracking offsets, and citations need the offsets.

Rules, none of them tied to a topic:
- A hyphenated token is re-joined where the joined form (or a split into
  fewer known words) is a word the collection or the embedding model's
  vocabulary knows; real compounds (``people-to-people``, ``two-day``) have
  no such joined form and stay. Tokens with digits (``13-member``,
  ``2025-26``) are never touched.
- Lines that are share-button text, "follow us"/"join our channel" promos,
  bylines or bare date lines are dropped; a footer (a cluster of "Latest
  Stories", "Most Popular", "Read more" … headings) is dropped from its first
  heading to the end, teasers of unrelated pieces included.
- A line repeating the previous one (an image caption shown twice) is dropped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rag.ingest.dates import DATE_PATTERN
from rag.ingest.offsets import OffsetMap

LETTERS = r"[^\W\d_]"
HYPHENATED = re.compile(rf"{LETTERS}+(?:-+{LETTERS}+)+")
STANDALONE_WORD = re.compile(rf"(?<![\w-]){LETTERS}{{2,}}(?![\w-])")
SUFFIXES = ("s", "es", "ed", "d", "ing", "ly")

SOCIAL = r"(?:icon-[\w-]+|share|tweet|facebook|twitter|x|whatsapp|linkedin|instagram|telegram|e-?mail|print|copy link|pinterest|reddit)"
CHROME_LINE = re.compile(
    "|".join(
        [
            rf"(?:{SOCIAL}[\s,|/·]*)+",
            r"join our \w+ (?:channel|group|community).*",
            r"follow .{0,80}\bon (?:x|twitter|facebook|linkedin|instagram|whatsapp|google news|telegram)\b.*",
            r"(?:subscribe|sign up|advertisement|sponsored|e-paper)\b.{0,40}",
            r"\d{1,2}",
        ]
    ),
    re.IGNORECASE,
)
FOOTER_HEADING = re.compile(
    r"(?:latest (?:stories|news)|most (?:popular|read|viewed)|must read|read more|related(?: \w+)?|"
    r"more (?:from|stories|news).*|you may (?:also )?like|trending(?: now)?|recommended(?: for you)?|"
    r"editorial|opinion|top stories|also read)",
    re.IGNORECASE,
)
BYLINE = re.compile(r"\b(?:published|updated|posted)\b", re.IGNORECASE)
FOOTER_WINDOW = 15


@dataclass
class CleanText:
    """An article's clean text and how to find each character in the raw file."""

    text: str
    offsets: OffsetMap
    repairs: list[tuple[str, str]] = field(default_factory=list)
    dropped_lines: list[str] = field(default_factory=list)


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


def _is_meta_line(line: str) -> bool:
    """A date stamp or byline: the article's metadata, not its text."""
    without_dates = DATE_PATTERN.sub(" ", line)
    words = without_dates.split()
    if without_dates != line and len(words) <= 3:
        return True
    return bool(BYLINE.search(line)) and without_dates != line and len(words) <= 12


def _footer_start(lines: list[str]) -> int:
    """Index of the first line of a trailing footer, or len(lines) if none."""
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not FOOTER_HEADING.fullmatch(stripped):
            continue
        window = [w.strip() for w in lines[i + 1 : i + 1 + FOOTER_WINDOW]]
        if any(FOOTER_HEADING.fullmatch(w) or (w and CHROME_LINE.fullmatch(w)) for w in window):
            # a lone tag word or two right above the footer belongs to it
            start = i
            while i > 0 and len(lines[i - 1].split()) <= 3 and not lines[i - 1].rstrip().endswith((".", '"', "”")):
                i -= 1
                if lines[i].strip():
                    start = i
            return start
    return len(lines)


def clean_article(raw: str, vocabulary: set[str]) -> CleanText:
    """Clean ``raw`` and record, for every kept character, where it came from."""
    lines = raw.splitlines(keepends=True)
    footer = _footer_start(lines)
    out_chars: list[str] = []
    positions: list[int] = []
    repairs: list[tuple[str, str]] = []
    dropped: list[str] = []
    previous = ""
    offset = 0
    for index, line in enumerate(lines):
        line_start, offset = offset, offset + len(line)
        stripped = line.strip()
        if index >= footer or (stripped and (CHROME_LINE.fullmatch(stripped) or _is_meta_line(stripped) or stripped == previous)):
            if stripped:
                dropped.append(stripped)
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
                repairs.append((match.group(0), fixed))
                _copy_kept(match.group(0), fixed, line_start + match.start(), out_chars, positions)
            cursor = match.end()
        _copy(line, cursor, len(line), line_start, out_chars, positions)
    return CleanText("".join(out_chars), OffsetMap.from_positions(positions), repairs, dropped)


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
