"""Boilerplate removal on invented pages modelled on common news layouts: the chrome goes, the body stays byte for byte.

None of these pages, outlets or phrasings come from the seeds; each page has the body
paragraphs it must keep (``BODY``) and the page furniture it must lose (``CHROME``).
"""

from __future__ import annotations

import pytest

from rag.ingest.chunk import outlet_key
from rag.ingest.clean import clean_article, collection_vocabulary, repeated_lines

WIRE = """Grain barges resume on the Tarn river

LOWMERE, March 4 (Northwire) - Grain barges resumed sailing on the Tarn river on Tuesday after three weeks of low water, the river authority said.
Shippers had moved about 40,000 tonnes by rail while the river was closed, adding roughly 12 euros a tonne to costs, traders estimated.
"We expect normal traffic by the end of the month," authority spokeswoman Ilse Varga told Northwire.
(Reporting by Pim Aldous; Editing by Rosa Kell)
Share
Facebook  X  LinkedIn  Email
"""
WIRE_BODY = [
    "Grain barges resumed sailing on the Tarn river on Tuesday after three weeks of low water, the river authority said.",
    "(Reporting by Pim Aldous; Editing by Rosa Kell)",
]
WIRE_CHROME = ["Facebook  X  LinkedIn  Email"]

BLOG = """Why our town library went fine-free

Posted by Mara Lind on March 3, 2025 | Updated March 5, 2025

When the Eastbrook library dropped late fees last spring, the board worried that books would vanish from the shelves.
What happened instead
Returns rose by 14 percent in six months, and 380 lapsed members came back, according to the library's own count.
Opinion
Board member Teo Marsh argued in January that the fees had cost more to collect than they brought in.
Related posts
Five quiet reading rooms in the valley
The bookmobile is back
How we digitised the parish records
Sign up for our weekly newsletter
"""
BLOG_BODY = [
    "What happened instead",
    "Opinion",
    "Board member Teo Marsh argued in January that the fees had cost more to collect than they brought in.",
]
BLOG_CHROME = ["Posted by Mara Lind on March 3, 2025", "Related posts", "The bookmobile is back", "Sign up for our weekly newsletter"]

SIDEBARS = """Council approves new tram depot

The Westfold council on Monday approved a 65 million euro tram depot on the old gasworks site, ending a two-year planning dispute.
Councillor Ada Brin said construction would start in the autumn and the depot would house 30 trams by 2028.
Residents' groups had objected to night-time noise, and the approval requires the depot to close its yard between midnight and 5am.
Related
Tram fares to rise in April
Gasworks clean-up finished
Opinion
The depot is a good deal for the city
12 Mar, 2025
Councils rarely get planning right on the first try, but this time the compromise looks sensible for everyone.
Why the night-noise rule matters
11 Mar, 2025
Residents deserve sleep, and the yard curfew is the least the council could do for them.
"""
SIDEBARS_BODY = ["Residents' groups had objected to night-time noise, and the approval requires the depot to close its yard between midnight and 5am."]
SIDEBARS_CHROME = ["Tram fares to rise in April", "The depot is a good deal for the city", "Residents deserve sleep, and the yard curfew is the least"]

TIMELINE = """How the Kessel strike unfolded

The dockworkers' strike at Kessel ended on Friday after 41 days, the longest stoppage at the port since 1988.
Related
12
Twelve related stoppages were recorded at smaller ports in the same weeks, port officials said.
Opinion
The union's newspaper, which runs an Opinion page every Saturday, had called the first offer an insult.
Timeline
March 3, 2025: strike begins
March 20, 2025: talks collapse
April 12, 2025: mediator appointed
The final deal raises pay by 6 percent over two years and adds a night-shift bonus, the union said.
"""
TIMELINE_BODY = [
    "Related\n12\nTwelve related stoppages",
    "Opinion",
    "Timeline",
    "March 3, 2025: strike begins",
    "March 20, 2025: talks collapse",
    "April 12, 2025: mediator appointed",
    "The final deal raises pay by 6 percent",
]

MAGAZINE = """The last glassblowers of Orlen

For three centuries the workshops of Orlen supplied lamp glass to half the continent, and today only four remain open.
Advertisement
Master blower Ivo Penn, 71, still works the furnace six days a week and has trained two apprentices since 2019.
Most read
1
Inside the salt mines of Varn
2
A winter on the ferry to Skel
3
The lost orchards of Ambry
"""
MAGAZINE_BODY = ["Master blower Ivo Penn, 71, still works the furnace six days a week and has trained two apprentices since 2019."]
MAGAZINE_CHROME = ["Advertisement", "Most read", "Inside the salt mines of Varn"]

LAYOUTS = {
    "wire": (WIRE, WIRE_BODY, WIRE_CHROME),
    "blog": (BLOG, BLOG_BODY, BLOG_CHROME),
    "sidebars": (SIDEBARS, SIDEBARS_BODY, SIDEBARS_CHROME),
    "timeline": (TIMELINE, TIMELINE_BODY, []),
    "magazine": (MAGAZINE, MAGAZINE_BODY, MAGAZINE_CHROME),
}


def _clean(raw: str, template: frozenset[str] = frozenset()) -> str:
    return clean_article(raw, collection_vocabulary([raw]), template).text


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_body_kept_chrome_dropped(layout):
    raw, body, chrome = LAYOUTS[layout]
    text = _clean(raw)
    for line in body:
        assert line in text, line
    for line in chrome:
        assert line in raw and line not in text, line


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_kept_lines_are_the_raw_lines_byte_for_byte(layout):
    raw = LAYOUTS[layout][0]
    raw_lines = set(raw.splitlines())
    for line in _clean(raw).splitlines():
        assert line in raw_lines, line


GAZETTE_TEMPLATE = "Harbour Gazette · independent since 1921 · tips: desk@gazette.example"


def _gazette(title: str, body: str) -> str:
    return f"{title}\n\n{GAZETTE_TEMPLATE}\n{body}\nMore from the Gazette desk\n"


def test_lines_an_outlet_repeats_across_its_articles_are_its_template():
    articles = {
        "a.txt": _gazette("Ferry fares frozen", "The harbour board froze ferry fares for a second year, citing lower fuel costs since the winter."),
        "b.txt": _gazette("New pier lights", "Forty new lamps were fitted along the east pier after a fall in December injured a fisherman."),
        "c.txt": _gazette("Market moves indoors", "The Saturday fish market will move into the old customs hall from May, the council confirmed."),
        "d.txt": f"Tide tables printed\n\n{GAZETTE_TEMPLATE}\nThe tide tables for the year were printed by the port office.\n",
    }
    outlets = {"a.txt": "Harbour Gazette", "b.txt": "Harbour Gazette", "c.txt": "Harbour Gazette", "d.txt": "Valley Post"}
    repeated = repeated_lines((outlet_key({"outlet": outlets[n]}), text) for n, text in articles.items())
    gazette = repeated["Harbour Gazette"]
    assert GAZETTE_TEMPLATE in gazette and "More from the Gazette desk" in gazette
    assert "Valley Post" not in repeated  # one article of another outlet shares nothing
    cleaned = _clean(articles["a.txt"], gazette)
    assert GAZETTE_TEMPLATE not in cleaned and "froze ferry fares for a second year" in cleaned and "Ferry fares frozen" in cleaned
