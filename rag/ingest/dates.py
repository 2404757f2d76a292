"""Find and normalise the publication dates that news pages state in many forms.

Hand-written: the stack has no date parser, and the forms are few:
``2025-09-09``, ``September 10th, 2025``, ``9th Sep, 2025``, ``Tue Sep 09 2025``.
"""

from __future__ import annotations

import re

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<{}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<{}>\d{{1,2}})(?:st|nd|rd|th)?"
_FORMS = [
    r"(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})",
    _MONTH.format("am") + r"\s+" + _DAY.format("ad") + r",?\s+(?P<ay>\d{4})",
    _DAY.format("bd") + r"\s+" + _MONTH.format("bm") + r",?\s+(?P<by>\d{4})",
]
DATE_PATTERN = re.compile(r"\b(?:" + "|".join(_FORMS) + r")\b", re.IGNORECASE)


def to_iso(match: re.Match[str]) -> str | None:
    """ISO date for one ``DATE_PATTERN`` match, or None if it is not a real date."""
    g = match.groupdict()
    if g["iy"]:
        year, month, day = int(g["iy"]), int(g["im"]), int(g["id"])
    else:
        key = "a" if g["ay"] else "b"
        year, day = int(g[key + "y"]), int(g[key + "d"])
        month = MONTHS[g[key + "m"].lower()]
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def first_date(text: str) -> str | None:
    """The first valid date stated in ``text``, as ISO, or None."""
    for match in DATE_PATTERN.finditer(text):
        iso = to_iso(match)
        if iso:
            return iso
    return None
