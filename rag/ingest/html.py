"""Saved web pages: the article's text and metadata pulled out of the HTML by trafilatura (htmldate for the date).

A saved page is mostly navigation, teasers, comments and scripts; trafilatura
is the maintained library built to find the article in it, with its title,
author, site name and publication date. The extracted text — headline first,
then one paragraph per block, blank lines between — is what is indexed and
stored, and what citation offsets index: `doc_id:start-end` is a span of that
text (shown in the UI's source card and by `rag show DOC_ID`), not of the HTML
markup, which has no sentence offsets worth citing.
"""

from __future__ import annotations

import re
from html import unescape

from rag.errors import RagError
from rag.imports import without
from rag.ingest.metadata import SITE_SEPARATOR, Metadata

HTML_SUFFIXES = (".html", ".htm")
MIN_WORDS = 10  # fewer extracted words is a menu or a link, not an article


def extract_page(name: str, html: str) -> tuple[str, Metadata]:
    """(article text, metadata) of one saved page; `RagError` when no article text is found in it."""
    with without("torch"):  # nothing trafilatura loads needs it; keep the import lean like the question path's
        import trafilatura

    text = trafilatura.extract(html, output_format="txt", include_comments=False, include_tables=True, favor_precision=True, deduplicate=True)
    if not text or len(text.split()) < MIN_WORDS:
        raise RagError(f"{name}: no article text found in the page", "save the article page itself, not a section front or a search result")
    found = trafilatura.extract_metadata(html)
    title = (found.title or "").strip() if found else ""
    outlet = ((found.sitename or found.hostname or "") if found else "").strip() or _title_suffix(html, title)
    date = (found.date or "")[:10] if found else ""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    if title and paragraphs and paragraphs[0] != title:
        paragraphs.insert(0, title)
    return "\n\n".join(paragraphs) + "\n", Metadata(title, outlet, date)


_TITLE_TAG = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _title_suffix(html: str, headline: str) -> str:
    """The site's name a page's <title> adds after its headline ("Headline | Carrowmere Courier"), which trafilatura
    strips from the title but does not always give as the site name; "" when the <title> is not headline + name."""
    tag = _TITLE_TAG.search(html)
    whole = " ".join(unescape(tag.group(1)).split()) if tag else ""
    if not headline or not whole.startswith(headline):
        return ""
    rest = re.match(rf"^{SITE_SEPARATOR}(.+)$", whole[len(headline) :])
    name = rest.group(1).strip() if rest else ""
    return name if 0 < len(name.split()) <= 6 else ""
