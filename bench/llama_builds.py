"""Benchmark of llama.cpp builds side by side (issue: the model answers, one judge decides — speed), measured in one
run on the same model and prompt; the section "llama.cpp builds" of bench/RESULTS.md is rewritten.

    python bench/llama_builds.py [LABEL=]OTHER_PYTHON ...
    python bench/llama_builds.py "generic (-DGGML_NATIVE=OFF)=/tmp/generic/bin/python"

Each interpreter is one build of llama-cpp-python (this one, the project's `.venv`, built for the CPU by the README's
command; another, e.g. `CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install llama-cpp-python==0.3.36` in a scratch venv, the
generic build). Each loads the packaged Qwen2.5-Coder-1.5B with 2 threads and reads the same prompt (a ~400-token
excerpt of the seeds, about what the default answer's prompt holds) from an empty context, `REPEATS` times, then
writes 32 tokens: prompt tokens/s and generation tokens/s, medians. The runs take turns, never overlapping.

Hand-written: llama-cpp-python reports no timings of its own through its Python API.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.check import write_section  # noqa: E402

SECTION = "## llama.cpp builds"
MODEL = "qwen2.5-coder-1.5b"
PROMPT_TOKENS = 400
REPEATS = 5
GENERATED = 32

# Run by each interpreter on its own: only llama_cpp and the standard library, so a bare venv with the build suffices.
PROBE = r"""
import json, statistics, sys, time
from llama_cpp import Llama, __version__
path, text, prompt_tokens, repeats, generated = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
llm = Llama(model_path=path, n_ctx=2048, n_threads=2, verbose=False)
tokens = llm.tokenize(text.encode(), add_bos=True)[:prompt_tokens]
def timed(n):
    llm.reset()
    started = time.perf_counter()
    llm.eval(tokens)
    read = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(n):
        llm.eval([llm.sample(temp=0.0)])
    return read, time.perf_counter() - started
timed(1)  # warm: the weights paged in
runs = [timed(generated) for _ in range(repeats)]
print(json.dumps({"version": __version__, "prompt_tokens": len(tokens),
                  "prompt_tps": len(tokens) / statistics.median(r[0] for r in runs),
                  "generate_tps": generated / statistics.median(r[1] for r in runs)}))
"""


def excerpt() -> str:
    """Seeds' text, enough for PROMPT_TOKENS tokens."""
    return "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))[:6000]


def measure(python: str, model: Path, text: str) -> dict:
    done = subprocess.run([python, "-c", PROBE, str(model), text, str(PROMPT_TOKENS), str(REPEATS), str(GENERATED)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu_flags() -> str:
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return "unknown CPU"
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx512vbmi", "avx512_bf16", "amx_tile")
    return ", ".join(f for f in wanted if f in flags) or "no AVX2"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("others", nargs="+", help="the python of each other build's venv, as LABEL=PATH or PATH")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    from rag.answer.models.registry import resolve

    model = resolve(MODEL).path
    text = excerpt()
    started = time.perf_counter()
    rows = [("this project's .venv (README's build for this CPU)", measure(sys.executable, model, text))]
    for other in args.others:
        label, _, python = other.rpartition("=")
        rows.append((label or f"`{python}`", measure(python, model, text)))
    base = rows[-1][1]["prompt_tps"]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d %H:%M')} by `python bench/llama_builds.py` in {time.perf_counter() - started:.0f} s, "
        f"{os.cpu_count()} cores ({cpu_flags()}), {MODEL} Q4_K_M, 2 threads, {rows[0][1]['prompt_tokens']} prompt tokens from an "
        f"empty context, medians of {REPEATS}.",
        "",
        "| build | llama-cpp-python | prompt tokens/s | generated tokens/s | prompt speed vs the last row |",
        "|---|---|---|---|---|",
    ]
    for label, r in rows:
        lines.append(f"| {label} | {r['version']} | {r['prompt_tps']:.1f} | {r['generate_tps']:.1f} | {r['prompt_tps'] / base:.2f}× |")
    write_section(lines, args.out, SECTION)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
