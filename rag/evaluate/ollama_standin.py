"""A stand-in Ollama server on 127.0.0.1 speaking the real HTTP API.

No Ollama server can be installed here, so the real `ollama` client and
llama-index's `Ollama` LLM talk to this instead: `/api/tags`, `/api/show`,
`/api/chat` (NDJSON when streaming), 404 for a model that is not pulled.
A ``reply`` callable plays the model: in the tests a scripted one; in
`rag eval --standin MODEL` a real packaged GGUF model run by llama.cpp
(`GGUFReply`), so the eval measures real answers with real errors through the
real Ollama path. ``fault`` injects the failures a real server shows: a hang
past the client's timeout, a stream cut mid-answer, garbage in the stream.

Written by hand: no package serves the Ollama protocol here.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

Reply = Callable[[list[dict]], str]


def quoting_model(messages: list[dict]) -> str:
    """An obedient model: quotes the passage sentence that shares most words with the question, cited."""
    prompt = messages[-1]["content"]
    question = prompt.rsplit("Question:", 1)[-1].split("\n", 1)[0]
    words = {w for w in re.findall(r"\w+", question.lower()) if len(w) > 3}
    best, best_n, best_overlap = "", 0, 0
    for n, body in re.findall(r"^\[(\d+)\][^\n]*\n(.*?)(?=\n\n\[\d+\]|\n\nQuestion:)", prompt, re.S | re.M):
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", body):
            overlap = len(words & set(re.findall(r"\w+", sentence.lower())))
            if overlap > best_overlap:
                best, best_n, best_overlap = sentence.strip(), int(n), overlap
    return f"{best} [{best_n}]" if best else "The articles don't say."


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-stream (the timeout fault) is expected, not an error to print."""

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class FakeOllama:
    """Start with ``with FakeOllama(models=[...]) as server:``; ``server.url`` is its address."""

    def __init__(
        self,
        models: list[str] | None = None,
        reply: Reply = quoting_model,
        fault: str = "",
        delay_s: float = 0.0,
        logprobs: Callable[[list[dict]], dict[str, float]] | None = None,
    ) -> None:
        self.models = models if models is not None else ["llama3.2:3b"]
        self.reply = reply
        # the next token's log-probabilities, as a server >= 0.12.11 returns them when asked (None: an older server,
        # which ignores the request and returns none)
        self.logprobs = logprobs
        self.fault = fault  # "" | "hang" | "cut" | "garbage"
        self.delay_s = delay_s
        self.requests: list[dict] = []
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeOllama:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, body: dict) -> tuple[str, str]:
        """The model's text for a chat request, and why it stopped ("stop", or "length" at num_predict)."""
        if isinstance(self.reply, GGUFReply):
            return self.reply.chat(body.get("messages", []), body.get("options", {}))
        return self.reply(body.get("messages", [])), "stop"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"fake": self})


class _Handler(BaseHTTPRequestHandler):
    """One request to the stand-in: ``fake`` (set per server by `FakeOllama._handler`) plays the server's state."""

    fake: FakeOllama
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/api/tags":
            models = [{"name": m, "model": m, "modified_at": "2025-01-01T00:00:00Z", "size": 1, "digest": "0" * 64, "details": {}} for m in self.fake.models]
            self._json(200, {"models": models})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.fake.requests.append({"path": self.path, **body})
        model = body.get("model", "")
        if self.path in ("/api/chat", "/api/show") and model not in self.fake.models:
            self._json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        if self.path == "/api/show":
            self._json(200, {"modelinfo": {"llama.context_length": 8192}, "details": {}, "modified_at": "2025-01-01T00:00:00Z"})
            return
        if self.path != "/api/chat":
            self._json(404, {"error": "not found"})
            return
        if self.fake.fault == "hang":
            time.sleep(self.fake.delay_s or 5)
        text, reason = self.fake.answer(body)
        if not body.get("stream", True):
            reply = {"model": model, "created_at": "2025-01-01T00:00:00Z", "message": {"role": "assistant", "content": text}, "done": True, "done_reason": "stop"}
            if body.get("logprobs") and self.fake.logprobs is not None:
                top = sorted(self.fake.logprobs(body.get("messages", [])).items(), key=lambda kv: -kv[1])[: int(body.get("top_logprobs") or 1)]
                reply["message"]["content"] = top[0][0]
                reply["logprobs"] = [{"token": top[0][0], "logprob": top[0][1], "top_logprobs": [{"token": t, "logprob": v} for t, v in top]}]
            self._json(200, reply)
            return
        self._stream(model, text, body.get("options", {}).get("num_predict"), reason)

    def _stream(self, model: str, text: str, num_predict: int | None = None, reason: str = "stop") -> None:
        """The reply a word per chunk; as a real server, at most ``num_predict`` of them, and then the last
        chunk's done_reason is "length" instead of "stop"."""
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        pieces = re.findall(r"\S+\s*", text) or [""]
        if num_predict is not None and 0 < num_predict < len(pieces):
            pieces, reason = pieces[:num_predict], "length"
        if self.fake.fault == "cut":
            pieces = pieces[: max(1, len(pieces) // 2)]
        for piece in pieces:
            self._chunk({"model": model, "created_at": "2025-01-01T00:00:00Z", "message": {"role": "assistant", "content": piece}, "done": False})
        if self.fake.fault == "garbage":
            self._raw(b"this is not json\n")
        if self.fake.fault != "cut":
            self._chunk(
                {
                    "model": model,
                    "created_at": "2025-01-01T00:00:00Z",
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": reason,
                    "eval_count": len(pieces),
                }
            )
        self._raw(b"")  # end of chunked body; a "cut" stream ends without its done line

    def _chunk(self, obj: dict) -> None:
        self._raw(json.dumps(obj).encode() + b"\n")

    def _raw(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


class GGUFReply:
    """A packaged GGUF model (`rag.answer.models.registry`) answering chats through llama.cpp, greedy by default, as
    the Ollama server would run it. Every answer is cached on disk, keyed by the model's sha256 and the request
    (messages and options): an eval asks each question once, however often it is re-run."""

    def __init__(self, model: str, threads: int = 2, cache: Path | None = None) -> None:
        from rag.answer.models.registry import resolve

        resolved = resolve(model)
        self.path, self.name, self.threads = resolved.path, resolved.name, threads
        self.said = Generations(resolved.name, resolved.sha256, cache)

    def chat(self, messages: list[dict], options: dict) -> tuple[str, str]:
        from rag.answer.backends.llamacpp import _load

        key = self.said.key(messages, options)
        if (cached := self.said.get(key)) is not None:
            return cached["text"], cached["reason"]
        llm = _load(str(self.path), int(options.get("num_ctx", 4096)), self.threads)
        made = llm.create_chat_completion(
            messages=messages, max_tokens=options.get("num_predict"), temperature=float(options.get("temperature", 0.0)), stop=options.get("stop")
        )
        choice = made["choices"][0]
        text, reason = choice["message"].get("content") or "", "length" if choice.get("finish_reason") == "length" else "stop"
        self.said.put(key, text, reason)
        return text, reason


class Generations:
    """What one packaged model said, on disk (`generation_cache`): keyed by its file's sha256, the messages and the
    options that change the text. Shared by the stand-in server's model and the eval's embedded one
    (`rag.evaluate.cached_generator`), so both keep answers the same way."""

    def __init__(self, name: str, sha256: str, folder: Path | None = None) -> None:
        from rag.answer.models.cache import CheckCache

        self.sha256 = sha256
        self.cache = CheckCache((folder or generation_cache()) / f"{name}.jsonl")
        self.asked = 0  # answers generated (not read back) since it was made

    def key(self, messages: list[dict], options: dict) -> str:
        return self.cache.key(self.sha256, [*messages, {"role": "options", "content": json.dumps(options, sort_keys=True)}])

    def get(self, key: str) -> dict | None:
        """The kept answer, ``{"text", "reason"}`` ("stop", or "length": cut at the token limit), or None."""
        cached = self.cache.get(key)
        return cached if isinstance(cached, dict) else None

    def put(self, key: str, text: str, reason: str) -> None:
        self.cache.put({key: {"text": text, "reason": reason}})
        self.asked += 1


def generation_cache() -> Path:
    """$RAG_GENERATION_CACHE, else the user's cache folder: what stand-in models said, never in the repository."""
    if os.environ.get("RAG_GENERATION_CACHE"):
        return Path(os.environ["RAG_GENERATION_CACHE"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag" / "generations"
