"""The OpenAI-compatible endpoint over real HTTP on the app `rag serve` runs, asked as the chat tools ask it: the real
`openai` client (streamed and not), a plain `curl` reading the server-sent events, a follow-up whose earlier turns
are the history, the login as an API key, OpenAI's error shape, and a property-based run (schemathesis) over the
`/v1` operations of the schema that must find no server error."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import openai
import pytest

from tests.conftest import fuzz_operations, running_app
from tests.documents import ferry_article

LOGIN = ("editor", "s3cret-pass")
QUESTION = "Which two countries signed the Action Plan of Cooperation?"


def ferry_text() -> str:
    doc = ferry_article()
    return f"{doc.title}\nBy {doc.author} | {doc.outlet} | {doc.date}\n\n" + "\n\n".join(doc.paragraphs) + "\n"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The app over the seeds and an invented ferry article; yields (its /v1 URL, the articles folder)."""
    root = tmp_path_factory.mktemp("v1")
    with running_app(root) as url:
        httpx.post(f"{url}api/articles", files=[("files", ("ferry.txt", ferry_text().encode(), "text/plain"))], timeout=300).raise_for_status()
        yield f"{url}v1", root / "articles"


@pytest.fixture(scope="module")
def client(base):
    return openai.OpenAI(api_key="unused-on-loopback", base_url=base[0], max_retries=0, timeout=300)


def stored(folder: Path, doc_id: str) -> str:
    return next(folder.rglob(doc_id)).read_text(encoding="utf-8")


def test_the_models_name_the_backends(client):
    assert [m.id for m in client.models.list()] == ["rag", "rag:auto", "rag:ollama", "rag:llamacpp", "rag:extractive"]


def test_a_completion_carries_the_answer_its_sources_and_the_answer_json(client, base):
    reply = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": QUESTION}])
    text, answer = reply.choices[0].message.content, reply.model_extra["rag"]
    assert reply.choices[0].finish_reason == "stop" and reply.object == "chat.completion"
    assert answer["outcome"] in ("answer", "evidence") and answer["citations"]
    assert text.startswith("**") and "**Sources**" in text  # the outcome first, then the answer, then the sources
    for citation in answer["citations"]:
        assert stored(base[1], citation["doc_id"])[citation["start"] : citation["end"]] == citation["quote"]  # exact spans
        assert f"[{citation['n']}]" in text and f"`{citation['doc_id']}:{citation['start']}-{citation['end']}`" in text


def test_a_stream_sends_the_same_message_then_the_answer_json(client):
    plain = client.chat.completions.create(model="rag:extractive", messages=[{"role": "user", "content": QUESTION}])
    chunks = list(client.chat.completions.create(model="rag:extractive", messages=[{"role": "user", "content": QUESTION}], stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and last.model_extra["rag"]["citations"] == plain.model_extra["rag"]["citations"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_reads_the_events(base):
    body = json.dumps({"model": "rag", "stream": True, "messages": [{"role": "user", "content": QUESTION}]})
    out = subprocess.run(
        ["curl", "-sN", "-H", "Content-Type: application/json", "-d", body, f"{base[0]}/chat/completions"], capture_output=True, text=True, timeout=300, check=True
    ).stdout
    events = [line.removeprefix("data: ") for line in out.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    answer = chunks[-1]["rag"]
    assert answer["citations"] and all(f"{c['doc_id']}:{c['start']}-{c['end']}" in content for c in answer["citations"])


def test_a_follow_up_is_asked_with_the_conversation_before_it(client):
    """The same follow-up, after a question on the ferry and after one on the seeds, reads the article each is about."""
    follow = {"role": "user", "content": "When does it start?"}
    cited = {}
    for first in ("How many passengers does each new Kestrel Island ferry vessel carry?", QUESTION):
        reply = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": first}])
        earlier = [{"role": "user", "content": first}, {"role": "assistant", "content": reply.choices[0].message.content}]
        turns = [{"role": "system", "content": "You are helpful."}, *earlier, follow]
        answer = client.chat.completions.create(model="rag", messages=turns).model_extra["rag"]
        cited[first] = {c["doc_id"] for c in answer["citations"]}
    ferry, seeds = cited.values()
    assert "ferry.txt" in ferry and "ferry.txt" not in seeds, cited


@pytest.mark.parametrize(
    ("body", "status", "code", "words"),
    [
        ({"model": "gpt-4", "messages": [{"role": "user", "content": QUESTION}]}, 404, "not_found", "does not exist"),
        ({"model": "rag", "messages": []}, 422, "invalid_request", "messages"),
        ({"model": "rag", "messages": [{"role": "user", "content": "  ?! "}]}, 422, "invalid_request", "question"),
        ({"model": "rag", "messages": [{"role": "assistant", "content": "Hello"}]}, 422, "invalid_request", "question"),
        ({"model": "rag:ollama", "messages": [{"role": "user", "content": QUESTION}]}, 503, "unavailable", "Ollama is not reachable"),
        ({"model": "rag:ollama", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}, 503, "unavailable", "Ollama is not reachable"),
    ],
)
def test_errors_have_openais_shape_and_apis_status(base, monkeypatch, body, status, code, words):
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")  # nothing listens there
    response = httpx.post(f"{base[0]}/chat/completions", json=body, timeout=120)
    error = response.json()["error"]
    assert response.status_code == status and error["code"] == code and words in error["message"], response.text
    assert error["type"] in ("invalid_request_error", "service_unavailable")


def test_the_login_is_an_api_key_on_v1(tmp_path):
    from rag.errors import RagError
    from rag.ui import serving_auth

    with pytest.raises(RagError):  # beyond loopback, no login: refused before anything listens
        serving_auth("0.0.0.0", {}, insecure=False)
    login = serving_auth("0.0.0.0", {"RAG_UI_USER": LOGIN[0], "RAG_UI_PASSWORD": LOGIN[1]}, insecure=False)
    with running_app(tmp_path, auth=login) as url:
        for path in ("models", "chat/completions"):
            refused = httpx.request("GET" if path == "models" else "POST", f"{url}v1/{path}", json={"model": "rag", "messages": []})
            assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
            assert refused.json()["error"]["type"] == "authentication_error"
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(api_key="wrong", base_url=f"{url}v1", max_retries=0).models.list()
        assert "rag" in [m.id for m in openai.OpenAI(api_key=LOGIN[1], base_url=f"{url}v1").models.list()]
        assert httpx.get(f"{url}v1/models", headers={"Authorization": f"Bearer {LOGIN[0]}:{LOGIN[1]}"}).status_code == 200
        assert httpx.get(f"{url}v1/models", auth=LOGIN).status_code == 200


def test_no_request_to_v1_finds_a_server_error_or_leaves_the_schema(base):
    assert fuzz_operations(base[0].removesuffix("/v1") + "/api/openapi.json", "/v1/") == 2
