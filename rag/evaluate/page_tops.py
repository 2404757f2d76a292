"""Generated page tops to fit and measure the line classifier on: parts composed in many orders, some on shared lines.

Each page is a masthead, menus, weather, section labels, a date stamp in one of
several formats, a byline, a headline, a subhead and a body, arranged by one of
the LAYOUTS (orders, and which parts share a line behind which separator); every
line piece carries its class, and each page its true title, outlet and date.
Vocabularies come in two disjoint halves (``held_out``): a layout held out from
fitting is also written with words, places, names and outlets never fitted on.
Nothing here is from the seeds: the topics are invented civic news.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

CLASSES = ("headline", "subhead", "byline", "date", "section", "weather", "navigation", "masthead", "body")

_PLACES = (
    ["Port Alder", "Kestrel", "Brackenford", "Millbrook", "Eastgate", "Harrowdale", "Corvale", "Linden Bay", "Stonemere", "Ashby"],
    ["Glimmerton", "Oakhurst", "Redwater", "Fenwick", "Larkmoor", "Thornbury", "Wexley", "Silverdale", "Marlow Cross", "Hollin"],
)
_OUTLET_NOUNS = (
    ["Times", "Herald", "Courier", "Gazette", "Post", "Tribune", "Chronicle", "Ledger", "Journal"],
    ["Observer", "Sentinel", "Echo", "Star", "Standard", "Record", "Dispatch", "Monitor"],
)
_PEOPLE = (
    ["Miriam Osei", "Jonas Brekke", "Petra Lund", "Samir Haddad", "Elena Voss", "Tomas Rey", "Aisha Bello", "Karl Mertens"],
    ["Lena Ruiz", "Ruth Amsel", "Daniel Okafor", "Ines Carvalho", "Hugo Lindqvist", "Mei Tanaka", "Omar Farid", "Greta Holm"],
)
_BODIES = (
    ["council", "board", "school", "hospital", "port", "library", "police", "court"],
    ["ferry", "museum", "university", "airport", "union", "stadium", "market", "bridge"],
)
_VERBS = (["approves", "rejects", "delays", "opens", "closes", "expands"], ["backs", "halts", "launches", "cuts", "funds", "reviews"])
_THINGS = (
    ["new ferry route", "budget plan", "housing scheme", "cycle lanes", "water charges", "night buses"],
    ["flood defences", "school meals", "rail link", "solar farm", "parking fees", "youth centre"],
)
_SECTIONS = (["WORLD", "BUSINESS", "Local News", "Politics", "OPINION", "Economy", "REGION"], ["NATION", "Markets", "City", "ANALYSIS", "Health", "Transport", "Courts"])
_MENU = (
    ["Home", "World", "Business", "Sport", "Culture", "Opinion", "Video", "Subscribe", "Log in"],
    ["News", "Local", "Money", "Travel", "Science", "Podcasts", "E-paper", "Sign up", "Newsletters"],
)
_WEATHER = (["Sunny", "Cloudy", "Light rain", "Showers", "Fog"], ["Clear skies", "Snow", "Drizzle", "Windy", "Overcast"])
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SEPARATORS = (" | ", "  ", " · ", " — ", "   ")


@dataclass
class PageTop:
    """One generated page: its lines as (piece, class) lists, and the truth a reader of it should find."""

    lines: list[list[tuple[str, str]]]
    title: str
    outlet: str
    date: str  # ISO
    layout: str

    def text(self, sep: str = " | ") -> str:
        return "\n".join(self.separators.get(i, sep).join(piece for piece, _ in line) for i, line in enumerate(self.lines))

    separators: dict | None = None


class Parts:
    """A page's parts, drawn from one half of the vocabularies."""

    def __init__(self, rng: random.Random, half: int) -> None:
        self.rng, self.half = rng, half
        pick = lambda pool: rng.choice(pool[half])  # noqa: E731
        self.place, self.body_word, self.person = pick(_PLACES), pick(_BODIES), pick(_PEOPLE)
        self.outlet = rng.choice([f"The {pick(_PLACES)} {pick(_OUTLET_NOUNS)}", f"{pick(_PLACES)} {pick(_OUTLET_NOUNS)}", f"The Daily {pick(_OUTLET_NOUNS)}"])
        self.year, self.month, self.day = rng.choice([2024, 2025, 2026]), rng.randint(1, 12), rng.randint(1, 28)
        verb, thing = pick(_VERBS), pick(_THINGS)
        headline = rng.choice(
            [
                f"{self.place} {self.body_word} {verb} {thing}",
                f"{self.place} {self.body_word} {verb} {thing} after {rng.randint(2, 9)}-year dispute",
                f"Will {self.place} finally get its {thing}?",
                f"{self.person.split()[0]} {self.person.split()[1]} to lead {self.place} {self.body_word}",
                f"{rng.randint(3, 90)} jobs at risk as {self.place} {self.body_word} {verb} {thing}",
            ]
        )
        self.headline = headline.title() if rng.random() < 0.35 else headline[0].upper() + headline[1:]
        self.thing, self.verb = thing, verb

    def date_text(self) -> str:
        m, d, y, rng = _MONTHS[self.month - 1], self.day, self.year, self.rng
        forms = [
            f"{d} {m} {y}",
            f"{m} {d}, {y}",
            f"{m[:3]} {d}, {y}",
            f"{y}-{self.month:02d}-{d:02d}",
            f"{rng.choice(_DAYS)}, {d} {m} {y}",
            f"{rng.choice(_DAYS)[:3]} {m[:3]} {d} {y}",
        ]
        stamp = rng.choice(forms)
        return rng.choice(
            [stamp, f"Published {stamp}", f"Updated {rng.randint(1, 12)}:{rng.randint(10, 59)} GMT, {stamp}", f"{stamp} {rng.randint(6, 22)}:{rng.randint(10, 59)}"]
        )

    def iso(self) -> str:
        return f"{self.year}-{self.month:02d}-{self.day:02d}"

    def byline(self) -> str:
        rng, who = self.rng, self.person
        return rng.choice(
            [
                f"By {who}",
                f"By {who.upper()}",
                f"{who}, Staff Reporter",
                f"By {who} and {rng.choice(_PEOPLE[self.half])}",
                f"Reporting by {who}",
                f"{who} · Correspondent",
            ]
        )

    def subhead(self) -> str:
        return self.rng.choice(
            [
                f"The {self.body_word} says the {self.thing} will cost {self.rng.randint(2, 40)} million and take two years to deliver.",
                f"Residents of {self.place} have waited since {self.year - 3} for a decision on the {self.thing}",
                f"Critics warn the plan leaves the {self.body_word} short of money for the rest of the decade.",
            ]
        )

    def body(self) -> str:
        return (
            f"{self.place.upper()}: The {self.place} {self.body_word} {self.verb} the {self.thing} on {self.rng.choice(_DAYS)}, "
            f"{self.person} said, after months of talks with residents and local businesses about the cost and the timetable. "
            f"The decision follows a public consultation in which more than {self.rng.randint(200, 900)} people took part."
        )

    def menu(self) -> str:
        words = self.rng.sample(_MENU[self.half], self.rng.randint(3, 6))
        return self.rng.choice([" | ", "  ", " · ", " / ", " "]).join(words)

    def weather(self) -> str:
        t = self.rng.randint(-5, 34)
        unit = self.rng.choice(["°C", "°C", " °C", "oC", " deg C", "C", "°F", "F"])  # typed as pages type it
        return self.rng.choice(
            [
                f"{self.place} {t}{unit}",
                f"{t}{unit} {self.rng.choice(_WEATHER[self.half])}",
                f"{self.rng.choice(_WEATHER[self.half])}, {t}{unit}",
                f"{self.place}: {t}{unit}",
            ]
        )

    def masthead(self) -> str:
        """The outlet as the page sets it: as named, or in capitals (a print edition's running head)."""
        return self.outlet.upper() if self.rng.random() < 0.3 else self.outlet

    def section(self) -> str:
        first, second = self.rng.sample(_SECTIONS[self.half], 2)
        return self.rng.choice([first, first, f"{first} | {second}", f"{first} / {second}"])


# A layout: its lines, each a list of part names sharing the line. "section2" is two labels joined by a bar.
LAYOUTS: dict[str, list[list[str]]] = {
    "classic": [["masthead"], ["navigation"], ["headline"], ["subhead"], ["byline"], ["date"], ["body"]],
    "menu-weather": [["navigation"], ["weather"], ["section"], ["headline"], ["byline", "date"], ["body"]],
    "masthead-dated": [["masthead", "date"], ["headline"], ["body"]],
    "label-dated": [["section", "date"], ["headline"], ["subhead"], ["byline"], ["body"]],
    "date-first": [["date"], ["masthead"], ["headline"], ["body"]],
    "headline-dated": [["headline", "date"], ["subhead"], ["body"]],
    "weather-masthead": [["masthead", "weather"], ["navigation"], ["headline"], ["byline"], ["body"]],
    "advert": [["advert"], ["masthead"], ["section"], ["headline"], ["date"], ["body"]],
    "bar-labels": [["section2"], ["headline"], ["byline"], ["body"]],
    "minimal": [["headline"], ["byline"], ["date"], ["body"]],
    "updated": [["navigation"], ["headline"], ["subhead"], ["date"], ["body"]],
    "masthead-weather-date": [["masthead"], ["date"], ["weather"], ["headline"], ["body"]],
    "byline-dated-first": [["byline", "date"], ["headline"], ["subhead"], ["body"]],
    "subhead-first": [["section"], ["subhead"], ["headline"], ["byline"], ["body"]],
    "dated-headline": [["date", "headline"], ["subhead"], ["body"]],
    "running-head": [["masthead", "date", "pageno"], ["section"], ["headline"], ["byline"], ["body"]],
}
HELD_OUT = ("bar-labels", "updated", "masthead-weather-date", "byline-dated-first", "running-head")  # never fitted on: measured only
# A layout's own separators between the pieces of a shared line (else SEPARATORS): a stamp typed before the headline
# with a space alone
LAYOUT_SEPARATORS = {"dated-headline": (" ", " ", *SEPARATORS)}


def _piece(parts: Parts, name: str) -> tuple[str, str]:
    if name == "section2":
        first, second = parts.rng.sample(_SECTIONS[parts.half], 2)
        return f"{first} | {second}", "section"
    if name == "pageno":
        return parts.rng.choice([f"Page {parts.rng.randint(2, 40)}", f"P{parts.rng.randint(2, 40)}", f"{parts.rng.randint(2, 40)}"]), "navigation"
    if name == "advert":
        return parts.rng.choice(["Advertisement", "Sponsored", "Listen to this article"]), "navigation"
    made = {
        "masthead": parts.masthead(),
        "navigation": parts.menu(),
        "headline": parts.headline,
        "subhead": parts.subhead(),
        "byline": parts.byline(),
        "date": parts.date_text(),
        "weather": parts.weather(),
        "section": parts.section(),
        "body": parts.body(),
    }[name]
    return made, name


def page_top(layout: str, rng: random.Random, half: int) -> PageTop:
    """One page of ``layout`` with words from vocabulary ``half``; shared lines get a random separator."""
    parts = Parts(rng, half)
    lines = [[_piece(parts, name) for name in line] for line in LAYOUTS[layout]]
    lines.append([(parts.body().replace(parts.place.upper() + ": ", ""), "body")])
    named = {name for line in LAYOUTS[layout] for name in line}
    page = PageTop(lines, parts.headline, parts.outlet if "masthead" in named else "", parts.iso() if "date" in named else "", layout)
    page.separators = {i: rng.choice(LAYOUT_SEPARATORS.get(layout, SEPARATORS)) for i, line in enumerate(lines) if len(line) > 1}
    return page


def pages(layouts: list[str], n_each: int, seed: int, half: int) -> list[PageTop]:
    rng = random.Random(seed)
    return [page_top(layout, rng, half) for layout in layouts for _ in range(n_each)]
