"""Benchmarks (not tests): measured in one run, written to bench/RESULTS.md.

    python bench/run.py            # 1k articles ingested for real; retrieval also at ~100k chunks
    python bench/run.py --quick    # seeds + ~170 articles (~1k chunks), under a few minutes

Every ratio compares two things measured in this same run on this machine.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import replicas  # noqa: E402
from bench.collection import write_collection  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.config import load_settings  # noqa: E402

KEPT_MARKER = "## Profiling and fixes"  # this section of RESULTS.md is written by hand and kept across runs
SEED_QUESTIONS = [
    "What is the current bilateral trade between Pakistan and Kazakhstan?",
    "Who is Kazakhstan's ambassador to Pakistan?",
    "Which three ports are covered by the transit trade accord?",
    "When did Pakistan recognise Kazakhstan's independence?",
    "What did the delegation-level talks focus on?",
]


def settings_for(store: Path, folder: Path | None = None, **retrieve):
    settings = load_settings(ROOT / "config.toml", env={})
    settings.store.path = str(store)
    if folder is not None:
        settings.collection.paths = [str(folder)]
    for key, value in retrieve.items():
        setattr(settings.retrieve, key, value)
    return settings


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


# -- ingestion ----------------------------------------------------------------
def bench_ingest(folder: Path, scratch: Path) -> dict[str, float]:
    from sentence_transformers import SentenceTransformer

    from rag.embed.models import resolve_model_path

    assistant = Assistant(settings_for(scratch / "ingest-store", folder))
    start = time.perf_counter()
    report = assistant.ingest()
    cold = time.perf_counter() - start
    start = time.perf_counter()
    again = assistant.ingest()
    warm = time.perf_counter() - start
    assert again.embedded_chunks == 0, "re-ingest of an unchanged collection embedded chunks"
    texts = [n.get_content() for n in assistant.store.all_chunks()]
    model = SentenceTransformer(resolve_model_path(assistant.settings.embed.model), device="cpu")
    start = time.perf_counter()
    model.encode(texts, batch_size=assistant.settings.embed.batch_size)
    ceiling = time.perf_counter() - start
    return {
        "articles": report.articles,
        "chunks": report.chunks,
        "cold_s": cold,
        "reingest_s": warm,
        "ours_chunks_per_s": report.chunks / cold,
        "ceiling_chunks_per_s": len(texts) / ceiling,
    }


# -- a large store built from real chunk texts, reusing real vectors -------------
def grow_store(source: Assistant, n_articles: int, scratch: Path) -> Path:
    """A store of ``n_articles`` generated articles, chunked for real. Embedding
    100k chunks takes ~50 min on 2 cores, so vectors are the small collection's
    real embeddings, reused cyclically with deterministic noise: latency and
    memory depend on counts and dimensions, not on what the vectors mean."""
    import numpy as np

    from rag.embed.models import count_tokens_fn, load_embedding
    from rag.ingest.chunk import ArticleChunker
    from rag.ingest.load import read_article

    folder = scratch / f"articles-{n_articles}"
    write_collection(folder, n_articles, seed=11)
    settings = copy.deepcopy(source.settings)
    settings.store.path = str(scratch / f"store-{n_articles}")
    settings.collection.paths = [str(folder)]
    target = Assistant(settings)
    embedding = load_embedding(settings.embed.model, settings.embed.batch_size)
    chunker = ArticleChunker(settings.chunk.size, settings.chunk.overlap, count_tokens_fn(embedding, settings.chunk.size), set())
    base = source.store.collection.get(include=["embeddings"])["embeddings"]
    base = np.asarray(base, dtype=np.float32)
    rng = np.random.default_rng(3)
    from llama_index.core import Document

    batch_nodes = []
    count = 0
    for path in sorted(folder.iterdir()):
        art = read_article(path, 10**7)
        doc = Document(id_=art.doc_id, text=art.raw, metadata={"doc_id": art.doc_id, "outlet": art.outlet, "date": art.date, "folder": art.folder})
        for node in chunker.chunk(doc):
            vector = base[count % len(base)] + rng.normal(0, 0.02, base.shape[1]).astype(np.float32)
            node.embedding = (vector / np.linalg.norm(vector)).tolist()
            batch_nodes.append(node)
            count += 1
        if len(batch_nodes) >= 2000:
            target.store.vector_store.add(batch_nodes)
            batch_nodes = []
    if batch_nodes:
        target.store.vector_store.add(batch_nodes)
    with target.store.writing() as writer:
        writer.publish()  # BM25 index and term weights over the grown collection
    return Path(settings.store.path)


# -- retrieval ---------------------------------------------------------------
def queries_for(assistant: Assistant, n: int = 40) -> list[str]:
    """Questions made from words of chunks spread over the collection (read a few rows, not all of them)."""
    count = assistant.store.chunk_count()
    texts = [assistant.store.collection.get(limit=1, offset=i * count // n, include=["documents"])["documents"][0] for i in range(min(n, count))]
    return [" ".join(t.split()[3:12]) + "?" for t in texts]


def bench_retrieval(store: Path, label: str) -> dict[str, float]:
    from llama_index.core import VectorStoreIndex

    from rag.embed.models import load_embedding

    hybrid = Assistant(settings_for(store))
    dense = Assistant(settings_for(store, bm25=False))
    queries = queries_for(hybrid)
    embedding = load_embedding(hybrid.settings.embed.model, hybrid.settings.embed.batch_size)
    default = VectorStoreIndex.from_vector_store(hybrid.store.vector_store, embed_model=embedding).as_retriever()
    results: dict[str, float] = {"chunks": hybrid.store.chunk_count()}
    for name, fn in (("hybrid", hybrid.retrieve), ("dense", dense.retrieve), ("llamaindex_default", default.retrieve)):
        for q in queries[:3]:
            fn(q)  # warm: models loaded, indexes opened
        times = []
        for q in queries:
            start = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - start) * 1000)
        results[f"{name}_p50_ms"] = statistics.median(times)
        results[f"{name}_p95_ms"] = pct(times, 95)
    print(f"  retrieval at {label}: {results}", flush=True)
    return results


def bench_server_retrieval(store: Path, label: str) -> dict[str, float]:
    """The same hybrid retrieval with Chroma behind `chroma run` on a loopback port (started here, stopped after)."""
    port = replicas.free_port()
    chroma = Path(sys.executable).parent / "chroma"
    server = subprocess.Popen(
        [str(chroma), "run", "--path", str(store / "chroma"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, ANONYMIZED_TELEMETRY="False"),
    )
    try:
        replicas.wait_port(port, server, timeout_s=60)
        settings = settings_for(store)
        settings.store.host, settings.store.port = "127.0.0.1", port
        hybrid = Assistant(settings)
        queries = queries_for(hybrid)
        for q in queries[:3]:
            hybrid.retrieve(q)
        times = []
        for q in queries:
            start = time.perf_counter()
            hybrid.retrieve(q)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {"server_hybrid_p50_ms": statistics.median(times), "server_hybrid_p95_ms": pct(times, 95)}
    print(f"  server retrieval at {label}: {result}", flush=True)
    return result


def serving_rss_mb(store: Path) -> float:
    """Peak RSS of a fresh process that opens the store and answers retrievals.

    Read as VmHWM from /proc: `ru_maxrss` survives exec on Linux, so a child forked from this (torch-laden)
    bench process would report the bench's own peak."""
    code = (
        f"import re, sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from bench.run import settings_for, queries_for\n"
        "from rag.assistant import Assistant\n"
        f"a = Assistant(settings_for(__import__('pathlib').Path({str(store)!r})))\n"
        "[a.retrieve(q) for q in queries_for(a, 20)]\n"
        "print(re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read()).group(1))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return int(out[-1]) / 1024


def cold_ask_s(store: Path, repeats: int = 3, parser_process: bool = True) -> list[float]:
    """Wall time of a fresh `rag ask`; ``parser_process`` off is the ablation that loads spaCy in the command itself
    (rag.read.parse_ahead never starts its child), to show what overlapping the parser's load is worth."""
    args = ["--store", str(store), "ask", "--backend", "extractive", SEED_QUESTIONS[0]]
    cmd = [sys.executable, "-m", "rag", *args]
    if not parser_process:
        code = "import runpy, sys\nimport rag.read.parse_ahead as ahead\nahead.start = lambda model: False\n"
        code += f"sys.argv = ['rag', *{args!r}]\nrunpy.run_module('rag', run_name='__main__')"
        cmd = [sys.executable, "-c", code]
    env = dict(os.environ, RAG_CONFIG=str(ROOT / "config.toml"))
    return [t / 1000 for t in timed(lambda: subprocess.run(cmd, capture_output=True, check=True, env=env, cwd=ROOT), repeats)]


def _importable(module: str) -> bool:
    """Installed (some packages try optional imports that fail: those are not part of the floor)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def import_floor_s(store: Path, repeats: int = 3) -> list[float]:
    """Bare import of the third-party packages a cold `rag ask` loads (read from its -X importtime), in the same
    order and with the same optional nltk extras hidden: what any program using them pays before doing work."""
    cmd = [sys.executable, "-X", "importtime", "-m", "rag", "--store", str(store), "ask", "--backend", "extractive", SEED_QUESTIONS[0]]
    err = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, RAG_CONFIG=str(ROOT / "config.toml")), cwd=ROOT).stderr
    names = [line.rsplit("|", 1)[-1] for line in err.splitlines() if line.startswith("import time:") and line.count("|") == 2]
    top_level = [n.strip() for n in names if re.fullmatch(r" [\w.]+", n) and n.strip().split(".")[0] not in sys.stdlib_module_names]
    modules = list(dict.fromkeys(m for m in top_level if m.split(".")[0] not in ("rag", "sklearn") and m != "scipy.stats" and _importable(m)))
    code = "import sys\nfor m in ('sklearn', 'scipy.stats'): sys.modules[m] = None\nimport nltk\nfor m in ('sklearn', 'scipy.stats'): del sys.modules[m]\n"
    code += "\n".join(f"try:\n    import {m}\nexcept Exception:\n    pass" for m in modules if m != "nltk")  # as tried on the ask path
    return [t / 1000 for t in timed(lambda: subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, cwd=ROOT), repeats)]


def import_profile(store: Path, top: int = 8) -> list[tuple[str, float]]:
    """Where a cold `rag ask` spends its import time (python -X importtime): own time summed by package."""
    cmd = [sys.executable, "-X", "importtime", "-m", "rag", "--store", str(store), "ask", "--backend", "extractive", SEED_QUESTIONS[0]]
    err = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, RAG_CONFIG=str(ROOT / "config.toml")), cwd=ROOT).stderr
    totals: dict[str, float] = {}
    for line in err.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            own, _, name = line[len("import time:") :].split("|")
            if own.strip().isdigit():
                package = name.strip().split(".")[0]
                totals[package] = totals.get(package, 0) + int(own) / 1e6
    return sorted(totals.items(), key=lambda kv: -kv[1])[:top]


def lean_floor_s(repeats: int = 3) -> list[float]:
    """Bare import of the lean query path issue 19 names (onnxruntime, tokenizers, chromadb, bm25s)."""
    modules = [m for m in ("onnxruntime", "tokenizers", "chromadb", "bm25s") if _importable(m)]
    code = "\n".join(f"import {m}" for m in modules)
    return [t / 1000 for t in timed(lambda: subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, cwd=ROOT), repeats)]


def qps_chunks(store: Path) -> int:
    return Assistant(settings_for(store)).store.chunk_count()


def extractive_answer_ms(seeds: Assistant, rounds: int = 4) -> dict[str, float]:
    """Warm answers on the default no-server path: retrieve, read, compose, cite (the first round warms caches)."""
    seeds.ask(SEED_QUESTIONS[0], backend="extractive")
    total = [seeds.ask(q, backend="extractive").timings_ms["total_ms"] for _ in range(rounds) for q in SEED_QUESTIONS]
    return {"p50_ms": statistics.median(total), "p95_ms": pct(total, 95), "n": len(total)}


def embedded_answer_ms(seeds: Assistant) -> dict[str, float] | None:
    """The embedded model's answer times; None when it is not installed (a venv without the `embedded` extra)."""
    from rag.errors import RagError

    first, total = [], []
    try:
        seeds.ask(SEED_QUESTIONS[0], backend="llamacpp")
    except RagError:
        return None
    for q in SEED_QUESTIONS:
        answer = seeds.ask(q, backend="llamacpp")
        if "first_token_ms" in answer.timings_ms:
            first.append(answer.timings_ms["first_token_ms"])
        total.append(answer.timings_ms["total_ms"])
    return {"first_token_p50_ms": statistics.median(first) if first else float("nan"), "total_p50_ms": statistics.median(total)}


# -- report ------------------------------------------------------------------
def row(metric: str, value: str, target: str, met: bool | None) -> str:
    mark = "—" if met is None else ("met" if met else "**not met**")
    return f"| {metric} | {value} | {target} | {mark} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="seeds + ~170 generated articles; no 100k-chunk scale")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    n_small = 170 if args.quick else 1000
    started = time.perf_counter()
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        scratch = Path(tmp)
        print("seeds store…", flush=True)
        seeds = Assistant(settings_for(scratch / "seeds-store", ROOT / "seeds"))
        seeds.ingest()
        print(f"generating and ingesting {n_small} articles…", flush=True)
        folder = scratch / "articles"
        write_collection(folder, n_small)
        ingest = bench_ingest(folder, scratch)
        print(f"  {ingest}", flush=True)
        retrieval = {"seeds": bench_retrieval(Path(seeds.settings.store.path), "seeds")}
        small_store = scratch / "ingest-store"
        retrieval[f"{n_small} articles"] = bench_retrieval(small_store, f"{n_small} articles")
        largest = small_store
        if not args.quick:
            print("building the 10k-article store…", flush=True)
            largest = grow_store(Assistant(settings_for(small_store)), 10_000, scratch)
            retrieval["10k articles"] = bench_retrieval(largest, "10k articles")
        rss = serving_rss_mb(largest)
        rss_small = serving_rss_mb(small_store)
        for label, store in ((f"{n_small} articles", small_store), *([("10k articles", largest)] if not args.quick else [])):
            retrieval[label].update(bench_server_retrieval(store, label))
        cold = cold_ask_s(Path(seeds.settings.store.path))
        cold_in_process = cold_ask_s(Path(seeds.settings.store.path), parser_process=False)
        floor = import_floor_s(Path(seeds.settings.store.path))
        lean = lean_floor_s()
        repeat = replicas.repeat_ask_s(Path(seeds.settings.store.path), SEED_QUESTIONS[0], scratch)
        print(f"  cold ask {cold}, in-process parse {cold_in_process}, floor {floor}, lean floor {lean}, repeated ask via server {repeat}", flush=True)
        rebuild = {
            label: replicas.bm25_rebuild_s(store) for label, store in ((f"{n_small} articles", small_store), *([("10k articles", largest)] if not args.quick else []))
        }
        qps_store = small_store  # ~10k chunks in a full run (1,000 articles), ~1.7k with --quick
        questions = queries_for(Assistant(settings_for(qps_store)))
        qps = {n: replicas.replica_qps(qps_store, questions, scratch, n) for n in (1, 2)}
        print(f"  bm25 rebuild {rebuild}, replicas qps {qps}", flush=True)
        imports = import_profile(Path(seeds.settings.store.path))
        extractive = extractive_answer_ms(seeds)
        embedded = embedded_answer_ms(seeds)

    big = retrieval[list(retrieval)[-1]]
    ratio = ingest["ours_chunks_per_s"] / ingest["ceiling_chunks_per_s"]
    reingest = ingest["reingest_s"] / ingest["cold_s"]
    lines += [
        "# Benchmark results",
        "",
        f"`python bench/run.py{' --quick' if args.quick else ''}` — {time.strftime('%Y-%m-%d %H:%M')} — "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"whole run {time.perf_counter() - started:.0f} s.",
        "",
        "| metric | measured | target | |",
        "|---|---|---|---|",
        row(
            "ingest throughput (parser included) vs `SentenceTransformer.encode` ceiling",
            f"{ingest['ours_chunks_per_s']:.1f} vs {ingest['ceiling_chunks_per_s']:.1f} chunks/s = {ratio:.2f}",
            "≥ 0.7",
            ratio >= 0.7,
        ),
        row("re-ingest unchanged / cold ingest", f"{ingest['reingest_s']:.2f} s / {ingest['cold_s']:.1f} s = {reingest:.1%}", "≤ 2 %", reingest <= 0.02),
        row(
            f"hybrid retrieval p50 at {big['chunks']:.0f} chunks",
            f"{big['hybrid_p50_ms']:.1f} ms (p95 {big['hybrid_p95_ms']:.1f})",
            "≤ 25 ms at 100k",
            big["hybrid_p50_ms"] <= 25 if big["chunks"] >= 90_000 else None,
        ),
        row(
            f"hybrid / dense-only p50 at {big['chunks']:.0f} chunks",
            f"{big['hybrid_p50_ms'] / big['dense_p50_ms']:.2f}×",
            "≤ 1.5×",
            big["hybrid_p50_ms"] / big["dense_p50_ms"] <= 1.5,
        ),
        row(f"peak RSS serving {big['chunks']:.0f} chunks", f"{rss:.0f} MB", "≤ 1.5 GB at 100k", rss <= 1536),
        row(
            f"peak RSS serving {retrieval[list(retrieval)[1]]['chunks']:.0f} chunks (what grows: RSS at 100k minus this)",
            f"{rss_small:.0f} MB",
            "—",
            None,
        ),
        row("cold `rag ask --backend extractive` (median of 3)", f"{statistics.median(cold):.1f} s", "≤ 2 s", statistics.median(cold) <= 2),
        row(
            "cold `rag ask` / lean import floor (onnxruntime, tokenizers, chromadb, bm25s; medians of 3)",
            f"{statistics.median(cold):.2f} s / {statistics.median(lean):.2f} s = {statistics.median(cold) / statistics.median(lean):.2f}×",
            "≤ 1.8×",
            statistics.median(cold) / statistics.median(lean) <= 1.8,
        ),
        row("cold `rag ask`, spaCy loaded in the command, no parser process (ablation, median of 3)", f"{statistics.median(cold_in_process):.2f} s", "—", None),
        row("repeated `rag ask` through a running `rag serve` (median of 3, wall)", f"{statistics.median(repeat):.2f} s", "≤ 0.5 s", statistics.median(repeat) <= 0.5),
        *[row(f"a replica's BM25 and term-weight rebuild from Chroma, {label}", f"{seconds:.1f} s", "—", None) for label, seconds in rebuild.items()],
        row(
            f"questions per second, 1 vs 2 `rag serve` replicas on one `chroma run` ({qps_chunks(qps_store):.0f} chunks, 4 askers each)",
            f"{qps[1]:.1f} vs {qps[2]:.1f}",
            "—",
            None,
        ),
        row(
            "cold `rag ask` / import floor of what the command itself imports (its parser process's spaCy not included; medians of 3)",
            f"{statistics.median(cold):.2f} s / {statistics.median(floor):.2f} s = {statistics.median(cold) / statistics.median(floor):.2f}×",
            "≤ 1.8×",
            statistics.median(cold) / statistics.median(floor) <= 1.8,
        ),
        row(
            f"warm extractive answer (default path), p50 of {extractive['n']:.0f}",
            f"{extractive['p50_ms']:.0f} ms (p95 {extractive['p95_ms']:.0f})",
            "< 1 s",
            extractive["p50_ms"] < 1000,
        ),
        row(
            "embedded model (llama.cpp SmolLM2) answer, p50 of 5",
            f"first token {embedded['first_token_p50_ms']:.0f} ms, total {embedded['total_p50_ms']:.0f} ms" if embedded else "not installed",
            "—",
            None,
        ),
        "",
        "## Retrieval latency (warm, query embedding included; 40 queries each)",
        "",
        "| collection | chunks | hybrid p50 / p95 ms | hybrid via `chroma run` p50 / p95 ms | dense-only p50 / p95 ms | llama-index default p50 / p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in retrieval.items():
        server = f"{r['server_hybrid_p50_ms']:.1f} / {r['server_hybrid_p95_ms']:.1f}" if "server_hybrid_p50_ms" in r else "—"
        lines.append(
            f"| {label} | {r['chunks']:.0f} | {r['hybrid_p50_ms']:.1f} / {r['hybrid_p95_ms']:.1f} | {server} | {r['dense_p50_ms']:.1f} / {r['dense_p95_ms']:.1f} | "
            f"{r['llamaindex_default_p50_ms']:.1f} / {r['llamaindex_default_p95_ms']:.1f} |"
        )
    lines += [
        "",
        "## Cold `rag ask`: import time by package (own time, `python -X importtime`)",
        "",
        "| package | seconds |",
        "|---|---|",
        *[f"| {name} | {seconds:.2f} |" for name, seconds in imports],
        "",
        f"Ingest: {ingest['articles']} generated articles, {ingest['chunks']} chunks, cold {ingest['cold_s']:.1f} s, re-ingest {ingest['reingest_s']:.2f} s.",
    ]
    if not args.quick:
        lines.append("The 10k-article store is chunked for real; its vectors reuse the 1k store's real embeddings with noise (see `grow_store`).")
    kept = args.out.read_text().split(KEPT_MARKER, 1) if args.out.exists() else []
    tail = f"\n{KEPT_MARKER}{kept[1]}" if len(kept) == 2 else ""
    args.out.write_text("\n".join(lines) + "\n" + tail)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
