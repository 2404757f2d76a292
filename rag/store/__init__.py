"""The storage side: one protocol (`base.Store`: snapshots, one writer, publishing), two stores (`local`: files beside
an embedded Chroma; `server`: a Chroma server shared by hosts, with a `lease`), the `bm25` index and the `chroma`
client. `open_store` picks the store the settings ask for.

Names are imported from their modules on first use, so importing `rag.store.bm25` alone imports only bm25s.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.config import Settings
    from rag.store.base import Store

_EXPORTS = {
    "make_chroma_client": "rag.store.chroma",
    "server_errors": "rag.store.chroma",
    "Snapshot": "rag.store.base",
    "Store": "rag.store.base",
    "Writer": "rag.store.base",
    "hashes_by_article": "rag.store.base",
    "LocalStore": "rag.store.local",
    "ServerStore": "rag.store.server",
}
__all__ = sorted([*_EXPORTS, "open_store"])


def open_store(settings: Settings) -> Store:
    """The shared store on a Chroma server when `store.host` is set, else the embedded one in `store.path`."""
    if settings.store.host:
        from rag.store.server import ServerStore

        return ServerStore(settings)
    from rag.store.local import LocalStore

    return LocalStore(settings)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rag.store' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
