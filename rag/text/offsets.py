"""Map character offsets in cleaned text back to the raw article file.

Cleaning deletes characters (stray hyphens, chrome lines) but never inserts
any, so every clean character comes from exactly one raw character. We keep
that mapping as a short list of breakpoints (clean offset, raw offset) where
the gap between the two changes, which is small enough to ride along in each
chunk's metadata and lets a citation point at an exact raw span.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field


@dataclass
class OffsetMap:
    """Piecewise-constant shift from clean offsets to raw offsets."""

    clean_starts: list[int] = field(default_factory=lambda: [0])
    raw_starts: list[int] = field(default_factory=lambda: [0])

    @classmethod
    def from_positions(cls, raw_positions: list[int]) -> OffsetMap:
        """Build from the raw position of every clean character, in order."""
        clean_starts: list[int] = []
        raw_starts: list[int] = []
        for clean_i, raw_i in enumerate(raw_positions):
            if not clean_starts or raw_i - clean_i != raw_starts[-1] - clean_starts[-1]:
                clean_starts.append(clean_i)
                raw_starts.append(raw_i)
        if not clean_starts:
            return cls()
        return cls(clean_starts, raw_starts)

    def to_raw(self, clean_offset: int) -> int:
        """Raw offset of the clean character at ``clean_offset``."""
        i = bisect.bisect_right(self.clean_starts, clean_offset) - 1
        i = max(i, 0)
        return self.raw_starts[i] + (clean_offset - self.clean_starts[i])

    def span_to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Raw [start, end) covering the clean span [start, end)."""
        if end <= start:
            raw = self.to_raw(start)
            return raw, raw
        return self.to_raw(start), self.to_raw(end - 1) + 1

    def slice(self, start: int, end: int) -> OffsetMap:
        """The map for the clean substring [start, end), re-based to 0.

        Chunks store their own map so a sentence offset inside a chunk maps to
        the raw file without the whole article's map.
        """
        first = max(bisect.bisect_right(self.clean_starts, start) - 1, 0)
        last = bisect.bisect_left(self.clean_starts, end)
        clean = [0] + [c - start for c in self.clean_starts[first + 1 : last]]
        raw = [self.to_raw(start), *self.raw_starts[first + 1 : last]]
        return OffsetMap(clean, raw)

    def dumps(self) -> str:
        return json.dumps([self.clean_starts, self.raw_starts], separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> OffsetMap:
        clean, raw = json.loads(text)
        return cls(list(clean), list(raw))
