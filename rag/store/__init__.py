"""The storage side: Chroma (`chroma`), the published version (`state`), the cross-host write lease (`lease`), the
BM25 index (`bm25`), the query encoder (`encoder`).

Names are imported from their modules on first use, so `rag.embed.encoder` alone imports only numpy and tokenizers.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "make_chroma_client": "rag.store.chroma",
    "server_errors": "rag.store.chroma",
    "BM25_DIR": "rag.store.state",
    "VERSIONS_DIR": "rag.store.state",
    "Snapshot": "rag.store.state",
    "Store": "rag.store.state",
    "Writer": "rag.store.state",
    "hashes_by_article": "rag.store.state",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'rag.store' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
