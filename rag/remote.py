"""Ask a running `rag serve` instead of loading everything again: a repeated `rag ask` answers in a fraction of a second.

The server's own API (Gradio's REST calls: `POST /gradio_api/call/ask`, then
the result from `GET /gradio_api/call/ask/<event>`) over the standard
library's HTTP client, so the CLI imports nothing heavy to use it. A server
is reused when named (`--server URL`, env `RAG_SERVER`), or when the one at
`ui.host:ui.port` answers and serves the same collection (`/store`).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any

from rag.config import Settings
from rag.errors import RagError

PROBE_TIMEOUT_S = 1.0  # nothing listening is refused at once; a busy server answers its first probe in ~0.3 s here


def store_identity(settings: Settings) -> dict[str, str]:
    where = f"chroma://{settings.store.host}:{settings.store.port}" if settings.store.host else str(settings.store_dir.resolve())
    return {"store": where, "collection": settings.store.collection}


def _call(url: str, api: str, data: list[Any], timeout: float) -> Any:
    base = url.rstrip("/")
    request = urllib.request.Request(f"{base}/gradio_api/call/{api}", json.dumps({"data": data}).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        event = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{base}/gradio_api/call/{api}/{event}", timeout=timeout) as response:
        kind = ""
        for raw in response:
            line = raw.decode("utf-8").strip()
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                payload = line.split(":", 1)[1].strip()
                if kind == "error":
                    message = json.loads(payload) if payload.startswith('"') else payload
                    raise RagError(f"The server at {url} could not answer: {message}")
                return json.loads(payload)[0]
    raise RagError(f"The server at {url} ended the answer without a result", "ask again")


def find_server(settings: Settings, named: str | None) -> str | None:
    """The server to ask: the one named, else the configured one when it serves this same collection, else None."""
    url = named or os.environ.get("RAG_SERVER", "")
    if url:
        return url
    host = "127.0.0.1" if settings.ui.host in ("0.0.0.0", "::") else settings.ui.host
    candidate = f"http://{host}:{settings.ui.port}"
    try:
        return candidate if _call(candidate, "store", [], PROBE_TIMEOUT_S) == store_identity(settings) else None
    except (OSError, ValueError, KeyError, RagError):
        return None


def ask_server(url: str, question: str, backend: str | None, top_k: int | None, timeout_s: float = 600.0) -> dict[str, Any]:
    """The Answer JSON from a running server; a `RagError` naming it when it cannot be reached."""
    try:
        return _call(url, "ask", [question, backend or "", top_k or 0], timeout_s)
    except (urllib.error.URLError, OSError) as exc:
        raise RagError(f"No rag server answers at {url} ({exc})", "start one with 'rag serve', or drop --server") from exc
