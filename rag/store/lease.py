"""One writer across hosts: a lease recorded in Chroma beside the collection (server mode).

A writer takes the lease (holder, a random token, an expiry), renews it as it
works, and lets it go at the end. Another host's writer meanwhile gets a clear
error naming the holder and when the lease ends; a writer killed mid-ingest
leaves the lease to expire. Chroma has no compare-and-set, so taking it is
write-then-read-back: of two hosts writing at once, the one whose token is read
back holds it, and the other sees a lease that is not its own. Hand-written:
nothing in the stack coordinates writers across hosts.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Any

from rag.config import Settings
from rag.errors import RagError
from rag.store.chroma import server_errors

LEASE_ID = "lease"
SETTLE_S = 0.3  # between writing the lease and reading it back: a racing writer's write lands in between


class Lease:
    def __init__(self, state: Any, duration_s: float, settings: Settings) -> None:
        self.state = state
        self.duration_s = duration_s
        self.settings = settings
        self.token = uuid.uuid4().hex
        self.holder = f"{socket.gethostname()}:{os.getpid()}"

    def _current(self) -> dict[str, Any] | None:
        with server_errors(self.settings):
            got = self.state.get(ids=[LEASE_ID], include=["metadatas"])
        return got["metadatas"][0] if got["ids"] else None

    def _write(self) -> None:
        expires = time.time() + self.duration_s
        meta = {"kind": "lease", "holder": self.holder, "token": self.token, "expires": expires}
        with server_errors(self.settings):
            self.state.upsert(ids=[LEASE_ID], embeddings=[[0.0]], documents=[self.holder], metadatas=[meta])

    def acquire(self, wait_s: float) -> None:
        deadline = time.monotonic() + wait_s
        while True:
            held = self._current()
            if held is None or held["expires"] < time.time() or held["token"] == self.token:
                self._write()
                time.sleep(SETTLE_S)
                held = self._current()
                if held is not None and held["token"] == self.token:
                    return
            if time.monotonic() > deadline:
                until = time.strftime("%H:%M:%S", time.localtime(held["expires"])) if held else "?"
                raise RagError(
                    f"Another writer holds the collection: {held['holder'] if held else '?'}, lease until {until}",
                    "wait for that ingest to finish (or for its lease to end, if it was killed), then try again",
                )
            time.sleep(0.5)

    def renew(self) -> None:
        held = self._current()
        if held is not None and held["token"] != self.token:
            raise RagError(f"The write lease was taken by {held['holder']} (this writer's had expired)", "run the ingest again")
        self._write()

    def release(self) -> None:
        held = self._current()
        if held is not None and held["token"] == self.token:
            with server_errors(self.settings):
                self.state.delete(ids=[LEASE_ID])
