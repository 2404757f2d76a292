"""Titles, outlets and dates from what the page says, in three layouts that fooled the reader of a page's top (reworded,
invented names): a page a browser printed to PDF, a weather line with a typed-out degree sign, a date stamp on the
headline's line. And the hand-written page tops (eval/page_tops/handwritten.jsonl) read as well as the generated ones."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from rag.evaluate.fit_lines import accuracy, handwritten
from rag.ingest.lines import line_model, pieces
from rag.ingest.load import read_article
from rag.ingest.metadata import find_title, read_metadata

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

PRINTED_PAGE = """<!doctype html><html><head><title>Tidewater board backs night ferries - The Harrowgate Lantern</title>
<style>body{font-family:serif;margin:40px} .cols{column-count:2;column-gap:30px} .head{font-size:11px;letter-spacing:1px}</style></head>
<body><div class="head">THE HARROWGATE LANTERN · Tuesday, March 3, 2026</div>
<h1>Tidewater board backs night ferries to Skerry Point after long campaign</h1>
<p>By Ola Brandt</p>
<div class="cols"><p>The Tidewater harbour board voted on Monday to run night ferries to Skerry Point from June, after a two-year
campaign by shift workers who said the last boat left too early for anyone finishing at the cannery. The board said the
service would cost 1.2 million a year, paid from the harbour's reserves rather than from fares.</p>
<p>Board chair Ines Moll said the vote was close but the case was strong. Ferry crews will be hired in April, and tickets
will cost the same as daytime fares, she said, adding that the timetable would be reviewed after six months of sailings
and that the board would publish the numbers carried each month.</p>
<p>Residents of the point welcomed the decision. A petition with 3,400 names had been handed to the board in January, and
local councillors had backed it in a motion last autumn.</p></div>
</body></html>
"""


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    """The page printed by Chromium's own "Print to PDF", its print header (time, page title) and footer (address,
    page count) included, as a reader who saves a page that way gets it; the file's creation date is today."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium (apt-get install -y chromium); .ci/run installs it")
    folder = tmp_path_factory.mktemp("printed")
    (folder / "page.html").write_text(PRINTED_PAGE, encoding="utf-8")
    out = folder / "night-ferries.pdf"
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={out}", (folder / "page.html").as_uri()]
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    return out


def test_a_page_printed_from_a_browser_is_dated_and_named_by_what_it_says(printed):
    article = read_article(printed, 10_000_000)
    assert date.today().isoformat() != "2026-03-03"  # else the file's own date could pass for the page's
    assert article.date == "2026-03-03"  # the page's, not the day it was printed
    assert article.outlet == "The Harrowgate Lantern"  # from the printed header line
    assert article.raw.startswith("THE HARROWGATE LANTERN")  # no print time, no page title above it
    assert "file://" not in article.raw and "Tidewater board backs night ferries - The" not in article.raw
    # the headline set on two lines is one paragraph; a paragraph cut at the column's end goes on in the next
    assert "Tidewater board backs night ferries to Skerry Point after long campaign\n" in article.raw
    assert "Ferry crews will be hired in April" in article.raw


def test_the_title_of_a_printed_page_is_its_headline(printed):
    article = read_article(printed, 10_000_000)
    assert article.title == ""  # the web page's <title> is not what the page says: found in the text
    assert find_title(article.raw) == "Tidewater board backs night ferries to Skerry Point after long campaign"


BODY = (
    "The clinic in the riverside district opened a night ward for children on Friday, after two years of fundraising by "
    "parents and nurses who said the nearest ward was an hour away by bus at night."
)


@pytest.mark.parametrize("weather", ["Kelmouth 19oC", "Kelmouth 19 °C", "Kelmouth 19C", "Kelmouth 66F", "Kelmouth 19 deg C"])
def test_a_weather_line_is_not_the_outlet_however_its_unit_is_typed(weather):
    top = f"Search\nSat, Nov 15, 2025\n{weather}\nRiverside clinic opens a night ward for children\nBy Staff Correspondent, Kelmouth\n"
    found = read_metadata(f"{top}Published on: Nov 15, 2025\n\n{BODY}\n")
    assert (found.title, found.outlet, found.date) == ("Riverside clinic opens a night ward for children", "", "2025-11-15")


def test_a_date_stamp_on_the_headlines_line_is_split_from_it():
    page = (
        " date 2025-10-02 Ostvik and Brenna open their border crossing to night freight\n"
        "Lorries cleared at Ostvik can now drive on to the Brenna depots without a second check.\n\n"
        "Ostvik and Brenna opened their shared border crossing to night freight on Thursday, officials said, after the customs "
        "posts were rebuilt over two years at a cost shared by both towns under an agreement signed in 2023.\n"
    )
    assert next(p.text for p in pieces(page.splitlines()[0], 0)) == "date 2025-10-02"
    found = read_metadata(page)
    assert (found.title, found.date) == ("Ostvik and Brenna open their border crossing to night freight", "2025-10-02")


def test_a_copy_stamp_is_not_the_articles_date():
    found = read_metadata(f"Printed on 5 December 2026\nRiverside clinic opens a night ward for children\n3 March 2026\n\n{BODY}\n")
    assert found.date == "2026-03-03"


# What the reader before this issue read on the hand-written tops (title, outlet, date; measured 2026-12-05 with the
# reader of 751931b^ on all 106 dev rows and the 37 test rows): a change that reads them worse than that fails
BEFORE = {"dev": (0.679, 0.557, 0.877), "test": (0.703, 0.541, 0.784), "sealed": (0.550, 0.500, 0.750)}


@pytest.mark.parametrize("split", ["dev", "test", "sealed"])
def test_the_hand_written_page_tops_are_read_no_worse_than_before(split):
    """Page tops written by hand, in layouts the generator did not make; "test" and "sealed" are measured, never tuned
    on ("sealed" was written after the last change it measures)."""
    pages = [page for page in handwritten() if page.split == split]
    assert len(pages) >= 30
    figures = accuracy(line_model(), pages)
    floors = dict(zip(("title", "outlet", "date"), BEFORE[split], strict=True))
    assert all(figures[key] >= floor for key, floor in floors.items()), figures


NOT_MET = pytest.mark.xfail(strict=True, reason="issue 'Titles, outlets and dates from what the page says': not met (eval/page_tops/README.md)")


@pytest.mark.parametrize("split", ["dev", pytest.param("test", marks=NOT_MET), pytest.param("sealed", marks=NOT_MET)])
def test_the_hand_written_page_tops_reach_the_issues_bar(split):
    figures = accuracy(line_model(), [page for page in handwritten() if page.split == split])
    assert figures["title"] >= 0.95 and figures["outlet"] >= 0.95 and figures["date"] >= 0.95, figures


def test_a_saved_pages_title_tag_names_the_site_when_nothing_else_does():
    from rag.ingest.html import extract_page

    body = " ".join(["The Tidewater harbour board voted on Monday to run night ferries to Skerry Point from June."] * 3)
    head = "<head><title>Night ferries approved | The Harrowgate Lantern</title></head>"
    html = f"<html>{head}<body><article><h1>Night ferries approved</h1><p>{body}</p></article></body></html>"
    _, found = extract_page("ferries.html", html)
    assert (found.title, found.outlet) == ("Night ferries approved", "The Harrowgate Lantern")


LEDE = (
    "The Vennick ferry will run every hour from May, the operator said on Tuesday, after a winter in which passengers "
    "waited up to three hours for a crossing because two of the four crews had retired and had not been replaced."
)


@pytest.mark.parametrize(
    ("top", "outlet"),
    [
        # a site's name beside its menu, with no newspaper word in it
        ("Orrel Today\nHome | News | Sport | Business | Opinion\nTransport\nFerry to run hourly from May\nBy Ana Kell", "Orrel Today"),
        ("Skip to main content\nHome | News | Sport | What's On\nOrrel Today\nFerry to run hourly from May", "Orrel Today"),
        # the page's title line as a browser prints it
        ("3/4/26, 9:03 PM    Ferry to run hourly from May - Orrel & District News\nFerry to run hourly from May", "Orrel & District News"),
        # whose newsletter it is
        ("Welcome to Tideline, the weekly transport newsletter from The Orrel Review.\nFerry to run hourly from May", "The Orrel Review"),
        ("Good morning. This is the Daybreak, Orrel Today's weekday briefing.\nFerry to run hourly from May", "Orrel Today"),
        # a copyright line, a photo credit
        ("Ferry to run hourly from May\n© 2026 The Orrel Gazette. All rights reserved.", "The Orrel Gazette"),
        ("Crews at the Vennick slipway. (Kit Amory/Orrel Now)\nFerry to run hourly from May", "Orrel Now"),
        # a byline's date is no outlet
        ("Ferry to run hourly from May\nBy Ana Kell | Published 3 March 2026", ""),
        # named as papers are named: beside the date, at a byline's end, before the site's tagline; a place is no outlet
        ("Crews at the Vennick slipway on Monday. Photo: Kit Amory\nFerry to run hourly from May\nVennick Herald-Post | 03.03.2026", "Vennick Herald-Post"),
        ("Ferry to run hourly from May\nBy Ana Kell, Orrel Signal\nPublished 3 March 2026", "Orrel Signal"),
        ("Orrel Echo — news for the Orrel coast since 1911\nSubscribe | Log in\nFerry to run hourly from May", "Orrel Echo"),
        ("Ferry to run hourly from May\nBy Staff Correspondent, Vennick\nPublished 3 March 2026", ""),
        ("Travel Science News\nFerry to run hourly from May\nPublished 3 March 2026", ""),
    ],
)
def test_an_outlet_is_read_from_where_pages_name_it(top, outlet):
    assert read_metadata(f"{top}\n\n{LEDE}\n").outlet == outlet


def test_a_blog_posts_one_display_line_is_its_title():
    page = (
        "About\nArchive\nContact\nAllotments\nWhy my broad beans failed this spring\n"
        "I have grown broad beans on plot 9 for eleven springs, and this is the first year the whole row has come to "
        "nothing, so I went back through my notes to work out what I did differently.\n"
    )
    assert read_metadata(page).title == "Why my broad beans failed this spring"


@pytest.mark.parametrize("kicker", ["", "Environment\n", "EXCLUSIVE\n"])
def test_a_headline_is_not_passed_over_for_its_standfirst(kicker):
    """However headline-like the classifier finds the longer line below it, the shorter line above is the headline."""
    page = (
        f"Menu\n{kicker}Ferry to run hourly from May\n"
        "Islanders who waited three hours for a crossing this winter will have a boat every hour, the operator says\n"
        f"Published 3 March 2026\n{LEDE}\n"
    )
    assert read_metadata(page).title == "Ferry to run hourly from May"


def test_a_headline_under_its_kicker_is_read_however_the_classifier_calls_it():
    """A two-word headline between a section kicker and its standfirst reads like a label to the classifier."""
    page = (
        "Orrel Echo\nNews  Sport  Jobs  Property\nFerries\nCrossings resume\n"
        "Islanders who waited three hours for a crossing this winter will have a boat every hour, the operator says\n"
        f"By Ana Kell\nTuesday 3 March 2026\n{LEDE}\n"
    )
    assert read_metadata(page).title == "Crossings resume"


def test_a_papers_motto_under_its_masthead_is_not_the_headline():
    page = (
        "THE VENNICK STAR\nKeeping the island informed since 1888\nWeather: 9 deg C, showers\nTuesday, March 3, 2026\n"
        f"Transport\nFerry to run hourly from May\nBy Ana Kell\n{LEDE}\n"
    )
    found = read_metadata(page)
    assert (found.title, found.outlet, found.date) == ("Ferry to run hourly from May", "The Vennick Star", "2026-03-03")


def test_a_documents_own_date_yields_to_the_date_its_page_states(tmp_path):
    """A .docx saved today from an article dated 3 March 2026: the page's date, not the file's; with no date stated,
    the file's own, unless it is later than today (a wrong clock)."""
    import dataclasses

    from tests.documents import ferry_article, news_docx

    stated = dataclasses.replace(ferry_article(), date=date.today().isoformat())
    stated = dataclasses.replace(stated, paragraphs=["Published 3 March 2026", *stated.paragraphs])
    (tmp_path / "stated.docx").write_bytes(news_docx(stated))
    assert read_article(tmp_path / "stated.docx", 10_000_000).date == "2026-03-03"
    plain = dataclasses.replace(ferry_article(), date="2025-04-02")
    (tmp_path / "plain.docx").write_bytes(news_docx(plain))
    assert read_article(tmp_path / "plain.docx", 10_000_000).date == "2025-04-02"
    future = dataclasses.replace(ferry_article(), date="2099-01-01")
    (tmp_path / "future.docx").write_bytes(news_docx(future))
    assert read_article(tmp_path / "future.docx", 10_000_000).date != "2099-01-01"


@pytest.mark.parametrize(
    ("stated", "iso"),
    [("24/02/2026", "2026-02-24"), ("02/24/2026", "2026-02-24"), ("03/04/2026", None), ("17.02.2026", "2026-02-17")],
)
def test_a_slashed_date_is_read_only_when_one_order_is_possible(stated, iso):
    from rag.text.dates import first_date

    assert first_date(f"Published: {stated}") == iso


@pytest.mark.parametrize(
    ("top", "date"),
    [
        # a wire's dateline with its agency, the year from the copyright line
        ("Ferry to run hourly from May\nVENNICK, March 3 (Orrel Wire) - The operator said…\n© 2026 Orrel Wire", "2026-03-03"),
        # a stamp with the weekday but no year
        ("Orrel Echo\nTuesday 3 March\nFerry to run hourly from May\n© 2026 Orrel Echo", "2026-03-03"),
        # the site's header states the day the page was served; the byline's date is the article's
        ("Wednesday, 11 March 2026  |  Today's paper  |  Sign in\nOrrel Echo\nFerry to run hourly from May\nBy Ana Kell\nTuesday 3 March 2026", "2026-03-03"),
    ],
)
def test_the_articles_date_is_the_one_the_page_gives_it(top, date):
    assert read_metadata(f"{top}\n{LEDE}\n").date == date


@pytest.mark.parametrize(
    "top",
    [
        # a breadcrumb over the headline
        "Skip to main content\nNews and events › News › Transport\nFerry to run hourly from May\n3rd March 2026",
        # a newsletter's subject line
        "From: The Orrel Letter <hello@orrelletter.news>\nSubject: Ferry to run hourly from May\nView in browser\nTHE ORREL LETTER\n"
        "Good morning, and welcome to this week's letter.\nFerry to run hourly from May",
        # a saved page's title line and its heading say the headline twice
        "Ferry to run hourly from May | Orrel Echo\nMenu    Search\nFerry to run hourly from May\nIslanders say the change is overdue",
        # a headline whose last word is a role a byline names, in lower case
        "Orrel Echo\nNews | Health | Sport | Opinion\nHealth\nFerry to run hourly from May for hospital staff\nBy Ana Kell",
    ],
)
def test_the_headline_is_read_past_crumbs_labels_and_repeats(top):
    title = read_metadata(f"{top}\n{LEDE}\n").title
    assert title in ("Ferry to run hourly from May", "Ferry to run hourly from May for hospital staff")


def test_a_headline_in_capitals_is_not_a_section_label():
    page = (
        "Orrel Echo\nNEWS | SPORT | TV | MONEY\nEXCLUSIVE\nFERRY BOSS QUITS OVER MISSED SAILINGS\n"
        f"Standfirst says the operator will hire four new crews this spring\nBy Ana Kell\n{LEDE}\n"
    )
    assert read_metadata(page).title == "FERRY BOSS QUITS OVER MISSED SAILINGS"


@pytest.mark.parametrize(
    ("top", "outlet"),
    [
        ("From: The Orrel Letter <hello@orrelletter.news>\nSubject: Ferry to run hourly from May", "The Orrel Letter"),
        ("Ferry to run hourly from May\nSource: The Orrel Weekly Star, March 3, 2026, page 1", "The Orrel Weekly Star"),
        ("Ferry to run hourly from May\nCopyright © 2026 The Orrel Chronicle. All rights reserved.", "The Orrel Chronicle"),
        ("Home    About    Walks    Contact\nSearch …\nFerry to run hourly from May\nPosted on 3rd March 2026 by Ana Kell", ""),
    ],
)
def test_an_outlet_is_read_from_a_sender_a_source_or_a_copyright_and_never_from_chrome(top, outlet):
    assert read_metadata(f"{top}\n{LEDE}\n").outlet == outlet
