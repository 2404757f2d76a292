"""Find and normalise the publication dates that news pages state in many forms.

Hand-written: the stack has no date parser, and the forms are few:
``2025-09-09``, ``September 10th, 2025``, ``9th Sep, 2025``, ``Tue Sep 09 2025``, ``17.02.2026`` (day first),
``24/02/2026`` (only when one order is possible).
"""

from __future__ import annotations

import re

# The calendar's words, in one place for the date parser, the answer reader and the question planner.
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_ABBREVIATIONS = (*(name[:3] for name in MONTH_NAMES if len(name) > 3), "Sept")

MONTHS = {word.lower(): MONTH_NAMES.index(word) + 1 for word in MONTH_NAMES} | {
    abbr.lower(): next(i for i, name in enumerate(MONTH_NAMES, 1) if name.startswith(abbr[:3])) for abbr in MONTH_ABBREVIATIONS
}
_MONTH = r"(?P<{}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<{}>\d{{1,2}})(?:st|nd|rd|th)?"
_FORMS = [
    r"(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})(?:T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?",  # an ISO timestamp too
    _MONTH.format("am") + r"\s+" + _DAY.format("ad") + r",?\s+(?P<ay>\d{4})",
    _DAY.format("bd") + r"\s+" + _MONTH.format("bm") + r",?\s+(?P<by>\d{4})",
    r"(?P<dd>\d{1,2})\.(?P<dm>\d{1,2})\.(?P<dy>\d{4})",  # "17.02.2026": dotted dates are written day first
    r"(?P<sa>\d{1,2})/(?P<sb>\d{1,2})/(?P<sy>\d{4})",  # "24/02/2026", "02/24/2026": read only when one order is possible
]
DATE_PATTERN = re.compile(r"\b(?:" + "|".join(_FORMS) + r")\b", re.IGNORECASE)


def to_iso(match: re.Match[str]) -> str | None:
    """ISO date for one ``DATE_PATTERN`` match, or None if it is not a real date."""
    g = match.groupdict()
    if g["iy"]:
        year, month, day = int(g["iy"]), int(g["im"]), int(g["id"])
    elif g["dy"]:
        year, month, day = int(g["dy"]), int(g["dm"]), int(g["dd"])
    elif g["sy"]:
        first, second = int(g["sa"]), int(g["sb"])
        if (first <= 12) == (second <= 12):
            return None  # "03/04/2026": day first or month first, the page does not say
        year, month, day = int(g["sy"]), min(first, second), max(first, second)
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
