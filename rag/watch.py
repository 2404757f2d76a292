"""Keep folders indexed: ingest, then ingest again after each batch of changes to their article files.

watchfiles (which uvicorn already brings) reports the changes, batched over a
short debounce; each batch runs the same incremental ingest as `rag ingest`
(new and changed files embedded, deleted ones removed, one writer at a time
through the store's lock), so a reader of the store sees the new version when
the ingest publishes it. A bad file is reported once and skipped, as always.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from rag.assistant import Assistant
from rag.errors import RagError
from rag.surface import is_article_name

DEBOUNCE_MS = 400  # changes closer together than this are one batch: a file written in pieces is ingested once
SIDECAR = ".meta.json"


def watched(path: str) -> bool:
    """An article file or its sidecar, never a hidden one (an upload's ``.name.part``, an editor's swap file)."""
    name = Path(path).name
    return not name.startswith(".") and (is_article_name(name) or name.endswith(SIDECAR))


def watch(
    assistant: Assistant,
    paths: list[Path] | None = None,
    say: Callable[[str], None] = print,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
) -> None:
    """Ingest ``paths`` (default: the configured folders), then after every change, until ``stop`` is set or Ctrl-C.

    ``ready`` is set once the first ingest is done and the folders are watched.
    """
    import watchfiles

    logging.getLogger("watchfiles.main").setLevel(logging.ERROR)  # its own line on Ctrl+C; the caller says it stopped
    paths = [Path(p) for p in (paths or assistant.settings.collection_paths)]
    roots = sorted({str(p if p.is_dir() else p.parent) for p in paths})
    told: set[str] = set()
    changes = watchfiles.watch(
        *roots,
        watch_filter=lambda _change, path: watched(path),
        debounce=DEBOUNCE_MS,
        step=50,
        stop_event=stop,
        raise_interrupt=False,
        rust_timeout=200,
        yield_on_timeout=True,
    )
    started = False
    try:
        for batch in changes:
            if not started:  # the watcher is up (its first yield): what the first ingest reads can no longer be missed
                started = True
                _ingest(assistant, paths, say, told, "")
                say(f"Watching {', '.join(roots)} for changes (Ctrl+C to stop).")
                if ready is not None:
                    ready.set()
            elif batch:
                _ingest(assistant, paths, say, told, ", ".join(sorted({Path(path).name for _change, path in batch})))
    except KeyboardInterrupt:  # Ctrl+C outside watchfiles' own wait (during an ingest): the store survives a cut ingest
        return


def _ingest(assistant: Assistant, paths: list[Path], say: Callable[[str], None], told: set[str], changed: str) -> None:
    """One incremental ingest; its summary said, each problem said once however often it recurs."""
    try:
        report = assistant.ingest(paths)
    except RagError as exc:
        say(f"✗ {exc}")
        return
    say(f"{changed + ': ' if changed else ''}{report.summary()}")
    for problem in report.problems:
        if problem not in told:
            told.add(problem)
            say(f"Skipped: {problem}")
