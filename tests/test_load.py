"""Metadata comes from what the text states; unusable files fail with one clear reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import RagError
from rag.ingest.load import find_article_files, read_article
from rag.ingest.metadata import find_date, find_outlet


@pytest.mark.parametrize(
    ("doc_id", "date", "outlet"),
    [
        ("000_8f5cf43f1953043f.txt", "2025-09-10", "Dawn"),
        ("001_f61ae2352f1f75e9.txt", "2025-09-09", ""),
        ("002_2915397796caa3a2.txt", "", ""),
        ("003_b941a13b01e5ff27.txt", "2025-09-09", "Dawn"),
        ("004_e380061d9c708e06.txt", "2025-09-09", "UrduPoint"),
    ],
)
def test_date_and_outlet_are_read_from_the_text(raw_articles, doc_id, date, outlet):
    assert find_date(raw_articles[doc_id]) == date
    assert find_outlet(raw_articles[doc_id]) == outlet


def test_date_forms():
    assert find_date("Tue Sep 09 2025\nText") == "2025-09-09"
    assert find_date("(Agency - 9th Sep, 2025)") == "2025-09-09"
    assert find_date("Published in X, September 10th, 2025") == "2025-09-10"


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "is empty"), (b"   \n\n", "is empty"), (b"abc\x00\x01def", "binary")],
)
def test_unusable_file_is_refused_with_reason(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(RagError, match=reason):
        read_article(path, 10**6)


def test_oversized_file_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000)
    with pytest.raises(RagError, match="over the"):
        read_article(path, 100)


def test_latin1_file_is_read(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Café owners in Zürich met on Monday.".encode("latin-1"))
    assert "Café" in read_article(path, 10**6).raw


def test_a_web_address_is_refused_with_how_to_save_the_page():
    with pytest.raises(RagError, match="web address") as caught:
        find_article_files([Path("https://example.com/news/story.html")])
    assert "save the page" in caught.value.hint


def test_a_saved_page_is_read_as_its_article_text(tmp_path):
    from tests.test_metadata import PAGE

    path = tmp_path / "harbour.html"
    path.write_text(PAGE)
    article = read_article(path, 10**6)
    assert (article.title, article.outlet, article.date) == ("Harbour opens new ferry terminal", "The Coast Times", "2025-03-04")
    assert article.raw.startswith("Harbour opens new ferry terminal\n\n") and "<" not in article.raw


def test_a_page_with_no_article_in_it_is_refused(tmp_path):
    path = tmp_path / "menu.html"
    path.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    with pytest.raises(RagError, match="no article text"):
        read_article(path, 10**6)
