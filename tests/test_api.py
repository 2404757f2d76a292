"""The JSON API beside the chat, over real HTTP on the app `rag serve` runs: the Answer JSON with exact spans for a
PDF uploaded through it, clear JSON errors, the login on every route, and a property-based run (schemathesis)
against its own OpenAPI schema that must find no server error and no response outside the schema."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import fuzz_operations, running_app
from tests.documents import ferry_article, news_docx, news_pdf, scanned_pdf

LOGIN = ("editor", "s3cret-pass")


@pytest.fixture(scope="module")
def api_url(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("api"), max_file_mb=1.0) as url:
        yield url.rstrip("/")


@pytest.fixture(scope="module")
def guarded_url(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("api-login"), auth=LOGIN) as url:
        yield url.rstrip("/")


def test_ask_returns_the_answer_json(api_url):
    answer = httpx.post(f"{api_url}/api/ask", json={"question": "Which two countries signed the Action Plan of Cooperation?"}, timeout=300).json()
    assert {"question", "answer", "short_answer", "outcome", "citations", "backend", "route", "confidence", "reasons"} <= set(answer)
    assert answer["citations"] and answer["backend"] == "extractive"


def test_uploaded_pdf_and_docx_are_answered_with_exact_spans_then_removed(api_url):
    doc = ferry_article()
    files = [("files", ("ferry.pdf", news_pdf(doc, interleaved=True), "application/pdf")), ("files", ("scan.pdf", scanned_pdf(), "application/pdf"))]
    files.append(("files", ("ferry-copy.docx", news_docx(doc), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")))
    report = httpx.post(f"{api_url}/api/articles", files=files, timeout=300).json()
    assert report["saved"] == ["ferry.pdf", "ferry-copy.docx"]
    assert len(report["rejected"]) == 1 and "no text layer" in report["rejected"][0]
    rows = {row["doc_id"]: row for row in httpx.get(f"{api_url}/api/articles").json()}
    assert rows["ferry.pdf"]["title"] == doc.title
    answer = httpx.post(f"{api_url}/api/ask", json={"question": "How many passengers can each ferry vessel carry?", "top_k": 5}, timeout=300).json()
    assert answer["outcome"] == "answer" and "180" in answer["short_answer"]
    cited = [c for c in answer["citations"] if c["doc_id"] in ("ferry.pdf", "ferry-copy.docx")]
    assert cited
    stored = {"ferry.pdf": pdf_text(doc), "ferry-copy.docx": docx_text(doc)}  # what ingest stores: the extracted text
    for citation in cited:
        assert stored[citation["doc_id"]][citation["start"] : citation["end"]] == citation["quote"]
    for doc_id in ("ferry.pdf", "ferry-copy.docx"):
        assert httpx.delete(f"{api_url}/api/articles/{doc_id}").json() == {"removed": [doc_id]}
    assert httpx.delete(f"{api_url}/api/articles/ferry.pdf").status_code == 404


def pdf_text(doc) -> str:
    from rag.ingest.pdf import extract_pdf

    return extract_pdf("ferry.pdf", news_pdf(doc, interleaved=True))[0]


def docx_text(doc) -> str:
    from rag.ingest.word import extract_docx

    return extract_docx("ferry-copy.docx", news_docx(doc))[0]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"question": ""}, 422, "question"),
        ({"question": "Who signed?", "top_k": 0}, 422, "top_k"),
        ({"question": "Who signed?", "backend": "no-such-backend"}, 422, "backend"),
        ({"question": "Who signed?", "top_k": 40}, 422, "top_k"),  # more than retrieve.candidates
        ({"question": "Who signed?", "surprise": 1}, 422, "surprise"),
        ({"question": "Who signed?", "backend": "ollama"}, 503, "Ollama is not reachable"),  # named, so no fallback
    ],
)
def test_bad_requests_get_a_json_reason(api_url, body, status, words, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")  # nothing listens there
    response = httpx.post(f"{api_url}/api/ask", json=body, timeout=120)
    assert response.status_code == status and words in response.json()["error"], response.text


def test_an_upload_over_the_limit_is_413(api_url):
    response = httpx.post(f"{api_url}/api/articles", files=[("files", ("big.txt", b"word " * 300_000, "text/plain"))], timeout=120)
    assert response.status_code == 413 and "MB limit" in response.json()["error"]


def test_the_login_guards_every_api_route(guarded_url):
    schema = httpx.get(f"{guarded_url}/api/openapi.json").json()
    routes = [(method, path) for path, ops in schema["paths"].items() for method in ops if path.startswith("/api/")]  # /v1: test_openai_api
    assert len(routes) == 4
    for method, path in routes:
        response = httpx.request(method, guarded_url + path.replace("{doc_id}", "x"), json={"question": "Who signed?"}, timeout=120)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Basic"
    assert httpx.get(f"{guarded_url}/api/articles", auth=("editor", "wrong")).status_code == 401
    assert httpx.get(f"{guarded_url}/api/articles", auth=LOGIN).status_code == 200
    assert httpx.post(f"{guarded_url}/api/ask", json={"question": "Who signed?"}, auth=LOGIN, timeout=300).status_code == 200


def test_no_request_finds_a_server_error_or_leaves_the_schema(api_url):
    """Every /api operation of /api/openapi.json, fuzzed by schemathesis (/v1: tests/test_openai_api.py)."""
    assert fuzz_operations(f"{api_url}/api/openapi.json", "/api/") == 4


def test_a_chroma_server_that_is_down_is_a_503_and_recovers(tmp_path):
    """The store's server stops: the API says 503 with the reason; restarted on the same data, it answers again."""
    from rag.assistant import Assistant
    from rag.ui import serve
    from tests.conftest import free_port, make_settings, start_chroma

    chroma_port, data = free_port(), tmp_path / "chroma-data"
    server = start_chroma(data, chroma_port)
    settings = make_settings(tmp_path / "store", backend="extractive")
    settings.store.host, settings.store.port = "127.0.0.1", chroma_port
    assistant = Assistant(settings)
    assistant.ingest()
    port = free_port()
    app = serve(assistant, "127.0.0.1", port, block=False)
    ask = f"http://127.0.0.1:{port}/api/ask"
    question = {"question": "What is the current bilateral trade between Pakistan and Kazakhstan?"}
    try:
        assert httpx.post(ask, json=question, timeout=300).status_code == 200
        server.terminate()
        server.wait(10)
        down = httpx.post(ask, json=question, timeout=300)
        assert down.status_code == 503 and f"Chroma server at 127.0.0.1:{chroma_port} is not answering" in down.json()["error"]
        server = start_chroma(data, chroma_port)
        assert "239" in httpx.post(ask, json=question, timeout=300).json()["answer"]
    finally:
        app.close()
        server.terminate()
        server.wait(10)
