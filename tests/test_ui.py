"""The Gradio app in a real headless browser (Debian's chromium via Playwright) and through gradio_client.

The app runs in-process on a free loopback port over its own store (a copy of
the seeds), answering with the extractive backend so answers are exact quotes.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from tests.conftest import running_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install -y chromium); .ci/run installs it"),
]

NEW_ARTICLE = """Harbour town opens ferry terminal

HARBOURTOWN: The council of Harbourtown opened a new ferry terminal on Monday. The terminal cost 42 million euros and
can handle 3,000 passengers a day. Mayor Lena Ruiz said ferries to Port Alva would start in June, and that the old pier
would become a fish market run by local cooperatives.
"""

XSS_ARTICLE = """Glimmerton library budget approved

GLIMMERTON: The Glimmerton council approved a budget of 12 million euros for the new public library <script>window.__xss = 1</script> on Friday.
Councillors said <img src=x onerror="window.__xss = 2"> the building would open in spring, ![tracker](http://example.invalid/pixel.png) with
room for sixty thousand books, a cafe and study rooms for students from the whole district.
"""


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("ui")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(app_url, wait_until="load")
    page.locator("#rag-question textarea").wait_for()
    yield page
    context.close()


def ask(page, question: str, timeout_ms: int = 90_000) -> None:
    """Type a question, send it, wait for its final answer and the status line saying who answered."""
    answers_before = page.locator("#rag-chat [data-testid='bot']").count()
    page.locator("#rag-question textarea").fill(question)
    page.locator("#rag-send").click()
    wait_answered(page, answers_before + 1, timeout_ms)


def wait_answered(page, count: int, timeout_ms: int = 90_000) -> None:
    """``count`` bot messages, the last one final (a streaming draft ends in '…'), and the status updated."""
    page.wait_for_function(
        """([count]) => {
            const m = document.querySelectorAll('#rag-chat [data-testid="bot"]');
            const status = document.querySelector('#rag-status').innerText;
            return m.length >= count && !m[m.length - 1].innerText.trim().endsWith('…') && /Answered by/.test(status);
        }""",
        arg=[count],
        timeout=timeout_ms,
    )


def last_answer(page) -> str:
    return page.locator("#rag-chat [data-testid='bot']").last.inner_text()


def upload(page, tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#rag-upload input[type=file]").set_input_files(str(path))
    page.locator("#rag-upload").get_by_text(name).first.wait_for(timeout=30_000)
    page.locator("#rag-ingest").click()
    page.wait_for_function("() => /[✓✗]/.test(document.querySelector('#rag-doc-status').innerText)", timeout=120_000)
    status = page.locator("#rag-doc-status").inner_text()
    page.get_by_role("tab", name="Chat").click()
    return status


def test_answer_streams_with_citation_cards_and_highlighted_passage(page, tmp_path):
    ask(page, "What is the current bilateral trade between Pakistan and Kazakhstan?")
    assert "239 million" in last_answer(page)
    cards = page.locator("#rag-sources details.rag-card")
    assert cards.count() >= 1
    first = cards.first
    assert not first.locator(".rag-passage mark").is_visible()
    first.locator("summary").click()
    highlighted = first.locator(".rag-passage mark")
    highlighted.wait_for(state="visible")
    assert "239 million" in highlighted.inner_text()
    assert ".txt:" in first.locator(".rag-loc").inner_text()
    assert "Answered by" in page.locator("#rag-status").inner_text()
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)
    assert (tmp_path / "answer.png").stat().st_size > 10_000


def test_refusal_looks_different(page):
    ask(page, "Who won the 2022 World Cup?")
    assert "Not in the articles" in last_answer(page)
    assert page.locator("#rag-sources .rag-refused").is_visible()
    assert page.locator("#rag-sources details.rag-card").count() == 0


def test_follow_up_uses_the_conversation(page):
    ask(page, "When did Pakistan recognise Kazakhstan's independence?")
    ask(page, "and when were diplomatic ties established?")
    assert "1992" in last_answer(page)


def test_a_question_sent_while_one_is_answered_is_asked_after_it(page):
    """Gradio's default trigger drops a send while an event is pending; the second question must not be lost."""
    page.locator("#rag-question textarea").fill("When did Pakistan recognise Kazakhstan's independence?")
    page.locator("#rag-send").click()
    page.wait_for_function("() => document.querySelectorAll('#rag-chat [data-testid=\"bot\"]').length >= 1")
    page.locator("#rag-question textarea").fill("What is the current bilateral trade between Pakistan and Kazakhstan?")
    page.locator("#rag-send").click()
    wait_answered(page, 2)
    assert page.locator("#rag-chat [data-testid='user']").count() == 2
    assert "239 million" in last_answer(page)


def test_uploaded_article_is_answerable(page, tmp_path):
    status = upload(page, tmp_path, "harbour news.txt", NEW_ARTICLE)
    assert "1 new" in status
    ask(page, "How much did the Harbourtown ferry terminal cost?")
    assert "42 million euros" in last_answer(page)


@pytest.mark.parametrize(
    ("name", "question", "cited"),
    [
        ("ferry.pdf", "How many passengers can each of the Halvard ferry vessels carry?", "180 passengers"),
        ("pier.docx", "Which contractor is building the Saltmere pier?", "Ostrander Marine"),
    ],
)
def test_uploaded_document_is_answered_with_its_passage_in_place(page, tmp_path, name, question, cited):
    from tests.documents import ferry_article, news_docx, news_pdf

    if name.endswith(".pdf"):
        made = news_pdf(ferry_article(), interleaved=True)
    else:
        pier = ferry_article()
        pier.title = "Saltmere pier rebuilt after storm damage"
        pier.paragraphs = ["The Saltmere harbour board has hired Ostrander Marine to rebuild the storm-damaged pier by next summer, at a cost of 6 million crowns."]
        made = news_docx(pier)
    status = upload(page, tmp_path, name, made)
    assert "✓" in status and "1 new" in status, status
    ask(page, question)
    assert cited.split()[0] in last_answer(page)
    card = page.locator("#rag-sources details.rag-card").first
    card.locator("summary").click()
    card.locator(".rag-passage mark").wait_for(state="visible")  # the cited span, in place in the document's stored text
    assert cited in card.locator(".rag-passage mark").inner_text()
    assert f"{name}:" in card.locator(".rag-loc").inner_text()


def test_article_markup_renders_as_text(page, tmp_path):
    upload(page, tmp_path, "glimmerton.txt", XSS_ARTICLE)
    ask(page, "What budget did the Glimmerton council approve for the library?")
    page.locator("#rag-sources details.rag-card summary").first.click()
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__xss") is None
    sources = page.locator("#rag-sources").inner_text()
    assert "<script>" in sources or "<script>" in last_answer(page)
    assert page.locator("#rag-sources img, #rag-chat img[src*='example.invalid'], #rag-chat script").count() == 0
    page.screenshot(path=str(tmp_path / "xss.png"), full_page=True)


def test_two_sessions_at_once_get_their_own_answers(browser, app_url):
    pages = []
    for _ in range(2):
        context = browser.new_context()
        p = context.new_page()
        p.goto(app_url, wait_until="load")
        p.locator("#rag-question textarea").wait_for()
        pages.append(p)
    questions = ["Who is Kazakhstan's ambassador to Pakistan?", "Which three ports are covered by the transit trade accord?"]
    for p, q in zip(pages, questions, strict=True):
        p.locator("#rag-question textarea").fill(q)
    for p in pages:
        p.locator("#rag-send").click()
    for p in pages:
        wait_answered(p, 1)
    first, second = last_answer(pages[0]), last_answer(pages[1])
    assert "Kistafin" in first and "Karachi" not in first
    assert "Karachi" in second and "Kistafin" not in second
    for p in pages:
        p.context.close()


def test_gradio_client_ask_returns_answer_json(app_url):
    from gradio_client import Client

    result = Client(app_url, verbose=False).predict("What is the current bilateral trade between Pakistan and Kazakhstan?", api_name="/ask")
    assert set(result) >= {"question", "answer", "refused", "backend", "model", "citations", "unsupported", "timings_ms"}
    assert result["backend"] == "extractive" and not result["refused"]
    citation = result["citations"][0]
    assert {"n", "doc_id", "title", "outlet", "date", "quote", "start", "end"} <= set(citation)


def test_threads_do_not_share_conversation_state(app_url):
    """gradio_client from several threads at once: each question gets its own answer."""
    from gradio_client import Client

    questions = {"Who is Kazakhstan's ambassador to Pakistan?": "Kistafin", "Who is Pakistan's commerce minister?": "Jam Kamal"}
    answers: dict[str, str] = {}

    def run(q: str) -> None:
        answers[q] = Client(app_url, verbose=False).predict(q, api_name="/ask")["answer"]

    threads = [threading.Thread(target=run, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for q, expected in questions.items():
        assert expected in answers[q], answers
