"""The Chroma side of the store: the client (embedded or a `chroma run` server) and one clear error when a server is down."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from rag.config import Settings
from rag.errors import RagError, Unavailable


def make_chroma_client(settings: Settings) -> Any:
    """A `PersistentClient` on the store dir, or an `HttpClient` when a server is configured."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.store.host:
        try:
            return chromadb.HttpClient(host=settings.store.host, port=settings.store.port, settings=chroma_settings)
        except Exception as exc:  # chromadb raises ValueError/ConnectionError variants
            raise RagError(
                f"Chroma server is not reachable at {settings.store.host}:{settings.store.port}",
                "start it with 'chroma run --path DIR --port PORT' or clear store.host",
            ) from exc
    path = settings.store_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


@contextlib.contextmanager
def server_errors(settings: Settings) -> Iterator[None]:
    """Turn a Chroma server that is down or restarting into one clear message.

    The client reconnects by itself, so the next call after the server is back works.
    """
    try:
        yield
    except RagError:
        raise
    except Exception as exc:
        module = type(exc).__module__.split(".")[0]
        if not settings.store.host or not (isinstance(exc, (ConnectionError, OSError)) or module in ("httpx", "httpcore", "chromadb")):
            raise
        raise Unavailable(
            f"Chroma server at {settings.store.host}:{settings.store.port} is not answering ({type(exc).__name__})",
            "check that 'chroma run' is up; the assistant reconnects when it is back",
        ) from exc
