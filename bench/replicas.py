"""Benchmarks of the many-host shape: questions per second with 1 and 2 `rag serve` replicas on one `chroma run`
server, a replica's BM25 rebuild time, and a repeated `rag ask` through a running server."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from rag.remote import ask_server

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on {port}") from None
            time.sleep(0.3)


def _serve(store: Path, config: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, RAG_STORE=str(store), RAG_CONFIG=str(config), HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-m", "rag", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, proc)
    return proc


def repeat_ask_s(store: Path, question: str, scratch: Path, repeats: int = 3) -> list[float]:
    """Wall time of `rag ask --server URL` against a running `rag serve` of ``store`` (after one warm-up ask)."""
    config = scratch / "serve.toml"
    config.write_text("")
    port = free_port()
    server = _serve(store, config, port)
    try:
        url = f"http://127.0.0.1:{port}"
        cmd = [sys.executable, "-m", "rag", "ask", "--server", url, question]
        subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True, cwd=ROOT)
            times.append(time.perf_counter() - start)
        return times
    finally:
        server.terminate()
        server.wait(30)


def replica_qps(store: Path, questions: list[str], scratch: Path, replicas: int, seconds: float = 20.0, clients: int = 4) -> float:
    """Answers per second from ``replicas`` `rag serve` processes, each with an empty folder, sharing ``store``'s
    chunks through one `chroma run` (its published version written into Chroma first), ``clients`` askers each."""
    from bench.run import settings_for
    from rag.assistant import Assistant

    port = free_port()
    chroma = subprocess.Popen(
        [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(store / "chroma"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, ANONYMIZED_TELEMETRY="False"),
    )
    procs: list[subprocess.Popen] = []
    try:
        wait_port(port, chroma)
        settings = settings_for(scratch / "publisher")
        settings.store.host, settings.store.port = "127.0.0.1", port
        publisher = Assistant(settings)
        with publisher.store.writing() as writer:
            writer.publish()  # the version marker in Chroma: replicas build BM25 and weights from the chunks
        config = scratch / "replica.toml"
        config.write_text(f'[store]\nhost = "127.0.0.1"\nport = {port}\n')
        urls = []
        for k in range(replicas):
            serve_port = free_port()
            procs.append(_serve(scratch / f"replica-{replicas}-{k}", config, serve_port))
            urls.append(f"http://127.0.0.1:{serve_port}")
        for url in urls:
            ask_server(url, questions[0], "extractive", None)
        answered = [0]
        stop = time.monotonic() + seconds
        lock = threading.Lock()

        def ask(url: str, offset: int) -> None:
            i = offset
            while time.monotonic() < stop:
                ask_server(url, questions[i % len(questions)], "extractive", None)
                i += 1
                with lock:
                    answered[0] += 1

        threads = [threading.Thread(target=ask, args=(url, c)) for url in urls for c in range(clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return answered[0] / (time.monotonic() - started)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
        chroma.terminate()
        chroma.wait(30)


def bm25_rebuild_s(store: Path) -> float:
    """What a replica does on a new version: read every chunk from Chroma, build the BM25 index and term weights."""
    from bench.run import settings_for
    from rag.store import open_store

    opened = open_store(settings_for(store))
    start = time.perf_counter()
    opened.derive_indexes()
    return time.perf_counter() - start


def median(values: list[float]) -> float:
    return statistics.median(values)
