"""Titles, outlets and dates by general signals, on invented pages of many layouts (plain text, Markdown, front matter,
a sidecar, saved HTML), and the seeds' metadata unchanged."""

from __future__ import annotations

import json

import pytest

from rag.ingest.html import extract_page
from rag.ingest.metadata import read_metadata

# (name, text, title, outlet, date): every layout a folder of news files shows, none from the seeds
LAYOUTS = [
    (
        "wire.txt",
        "Port workers end three-day strike\n\n(Harbour Wire — 4 June 2025)\n\nPORT ALVA: Dock workers returned to work on Wednesday after "
        "the port authority agreed to a 6 per cent pay rise, the union said, ending a strike that had stopped 40 ships.\n",
        "Port workers end three-day strike",
        "Harbour Wire",
        "2025-06-04",
    ),
    (
        "daily.txt",
        "The Meridian Daily\nSaturday, March 8, 2025 | Cloudy, 9°C\n\nCity opens its first night market\n\nMERIDIAN: The city's first "
        "night market opened on Friday with 80 stalls along the river, and organisers expect 5,000 visitors each weekend.\n",
        "City opens its first night market",
        "The Meridian Daily",
        "2025-03-08",
    ),
    (
        "portal.txt",
        "ADVERTISEMENT\nNEWS | WORLD | SPORT\n\nRivers rise as storm reaches the coast\n\nBy Amira Holt | Coastline Online | 12 January 2025\n\n"
        "Three rivers burst their banks overnight as the storm reached the coast, and 400 homes were evacuated before dawn on Sunday.\n",
        "Rivers rise as storm reaches the coast",
        "Coastline Online",
        "2025-01-12",
    ),
    (
        "aggregator.txt",
        "Museum buys lost painting for 2 million pounds\nMuseum buys lost painting for 2 million pounds\n\nSource: Arts Desk\n\n"
        "The city museum has bought a painting lost for a century, paying 2 million pounds at auction on Thursday, its director said.\n",
        "Museum buys lost painting for 2 million pounds",
        "Arts Desk",
        "",
    ),
    (
        "dateline.txt",
        "Valley farmers harvest a record crop\n\nGREENVALE, Oct 3: Farmers in the valley picked 18,500 tonnes of apples this autumn, a record "
        "since the cooperative began counting in 1998, the cooperative said in its report for the 2024 season.\n\nPublished in Valley Post\n",
        "Valley farmers harvest a record crop",
        "Valley Post",
        "2024-10-03",
    ),
    (
        "post.md",
        "# Tram line to reach the airport by 2028\n\n*Published on 14 May 2025 by The Harbour Post*\n\nThe council approved a 9 km extension "
        "of the tram line to the airport on Tuesday, with the first trams due to run in 2028 if funding is confirmed.\n",
        "Tram line to reach the airport by 2028",
        "",
        "2025-05-14",
    ),
    (
        "front.md",
        "---\ntitle: School meals to be free for all pupils\noutlet: Northside Gazette\ndate: 2025-09-01\n---\n\nEvery pupil in the borough will "
        "get a free school lunch from September, the council said, at a cost of 3 million pounds a year paid from its reserves.\n",
        "School meals to be free for all pupils",
        "Northside Gazette",
        "2025-09-01",
    ),
    (
        "follow.txt",
        "Bridge reopens after six months of repairs\n\nThe Weir Bridge reopened to traffic on Monday after six months of repairs that cost "
        "3.8 million pounds, the council said, ahead of schedule.\n\nFollow Riverside News on X and Instagram for more.\n",
        "Bridge reopens after six months of repairs",
        "Riverside News",
        "",
    ),
]


@pytest.mark.parametrize(("name", "text", "title", "outlet", "date"), LAYOUTS, ids=[layout[0] for layout in LAYOUTS])
def test_title_outlet_and_date_by_general_signals(name, text, title, outlet, date):
    found = read_metadata(text)
    assert (found.title, found.outlet, found.date) == (title, outlet, date)


def test_a_sidecar_wins_over_what_the_text_says(tmp_path):
    article = tmp_path / "bridge.txt"
    article.write_text(LAYOUTS[7][1])
    (tmp_path / "bridge.txt.meta.json").write_text(json.dumps({"title": "Weir Bridge reopens", "outlet": "The Riverside Times", "date": "2025-06-30"}))
    found = read_metadata(article.read_text(), article)
    assert (found.title, found.outlet, found.date) == ("Weir Bridge reopens", "The Riverside Times", "2025-06-30")


PAGE = """<!doctype html><html><head><title>Harbour opens new ferry terminal | The Coast Times</title>
<meta property="og:site_name" content="The Coast Times"><meta name="author" content="Jo Bloggs">
<meta property="article:published_time" content="2025-03-04T09:00:00Z"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></nav>
<article><h1>Harbour opens new ferry terminal</h1><p class="byline">By Jo Bloggs</p>
<p>HARBOUR TOWN: The council opened a ferry terminal on Monday. The terminal cost 42 million euros and can handle 3,000 passengers a day.</p>
<p>Mayor Lena Ruiz said ferries to Port Alva would start in June. The old pier will become a fish market, she added, after a decade of debate.</p>
</article><aside><h3>Related</h3><ul><li><a href="/a">Fish prices rise again</a></li><li><a href="/b">Storm warning for the coast</a></li></ul></aside>
<section id="comments"><p>Great news for the town! -- a reader</p></section><footer>© 2025 The Coast Times. All rights reserved.</footer></body></html>"""


def test_a_saved_page_gives_its_article_text_and_metadata():
    text, found = extract_page("harbour.html", PAGE)
    assert (found.title, found.outlet, found.date) == ("Harbour opens new ferry terminal", "The Coast Times", "2025-03-04")
    assert text.startswith("Harbour opens new ferry terminal\n\n")
    assert "42 million euros" in text and "Port Alva" in text
    for furniture in ("Weather", "Fish prices rise again", "Great news for the town", "All rights reserved"):
        assert furniture not in text


def test_the_seeds_metadata_is_unchanged(raw_articles):
    expected = {
        "000_8f5cf43f1953043f.txt": ("Dawn", "2025-09-10"),
        "001_f61ae2352f1f75e9.txt": ("", "2025-09-09"),
        "002_2915397796caa3a2.txt": ("", ""),
        "003_b941a13b01e5ff27.txt": ("Dawn", "2025-09-09"),
        "004_e380061d9c708e06.txt": ("UrduPoint", "2025-09-09"),
    }
    for name, (outlet, date) in expected.items():
        found = read_metadata(raw_articles[name])
        assert (found.outlet, found.date) == (outlet, date), name
