"""Command line: `python -m rag …`. Every command goes through the `Assistant` facade."""

from __future__ import annotations

import json
import os
import sys
import threading
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from rag.errors import RagError
from rag.surface import BACKEND_CHOICES as BACKENDS
from rag.surface import answered_by


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """One clear line and a non-zero exit instead of a traceback (unless --debug)."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return command(*args, **kwargs)
        except RagError as exc:
            if debug:
                traceback.print_exc()
            click.secho(f"Error: {exc.message}", fg="red", err=True)
            if exc.hint:
                click.echo(f"Hint: {exc.hint}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except Exception as exc:
            if debug:
                traceback.print_exc()
            click.secho(f"Unexpected error: {type(exc).__name__}: {exc}", fg="red", err=True)
            click.echo("Hint: run again with --debug for the full traceback", err=True)
            sys.exit(2)

    return wrapper


def settings_of(ctx: click.Context):
    from rag.config import load_settings

    root = ctx.find_root().params
    settings = load_settings(root.get("config"))
    if root.get("store"):
        settings.store.path = str(Path(root["store"]).expanduser().resolve())
    return settings


def assistant(ctx: click.Context):
    from rag.assistant import Assistant

    return Assistant(settings_of(ctx))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", type=click.Path(file_okay=False), help="Store directory (overrides store.path and RAG_STORE).")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), help="Config file (default: ./config.toml, or RAG_CONFIG).")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
def main(store: str | None, config: Path | None, debug: bool) -> None:
    """rag: answer questions about a folder of news articles, every claim cited to an exact passage.

    \b
    Typical use:
      rag ingest                 # index the configured folders (seeds/)
      rag ask "What was agreed?" # a cited answer
      rag chat                   # follow-up questions in a terminal session
      rag info                   # what is indexed, which backends can answer
      rag show DOC_ID            # an article's stored text (what citations index)
      rag config                 # every setting in effect and what it does
      rag serve                  # the web chat on http://127.0.0.1:7860
      rag eval                   # score it against eval/test.jsonl (held-out)
    """
    from rag.embed.models import offline_environment

    offline_environment()


@main.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--watch", "keep_watching", is_flag=True, help="Keep watching: re-ingest whenever article files are added, changed or deleted, until Ctrl+C.")
@click.pass_context
@handle_errors
def ingest_command(ctx: click.Context, paths: tuple[Path, ...], keep_watching: bool) -> None:
    """Index article files (.txt, .md, saved .html pages, .pdf, .docx) or folders; default: collection.paths from config.

    Unchanged files are skipped, changed files re-indexed, and files deleted
    from an ingested folder are removed from the index. With --watch this
    repeats after every change to the folders, until Ctrl+C.
    """
    if keep_watching:
        from rag.watch import watch

        watch(assistant(ctx), list(paths) or None, say=lambda line: click.echo(line, err=line.startswith(("Skipped", "✗"))))
        click.echo("Stopped watching.", err=True)
        return
    report = assistant(ctx).ingest(list(paths) or None, show_progress=sys.stderr.isatty())
    for problem in report.problems:
        click.secho(f"Skipped: {problem}", fg="yellow", err=True)
    click.echo(report.summary())


@main.command("remove")
@click.argument("doc_ids", nargs=-1, required=True)
@click.pass_context
@handle_errors
def remove_command(ctx: click.Context, doc_ids: tuple[str, ...]) -> None:
    """Remove articles from the index by doc_id (their file name)."""
    removed = assistant(ctx).remove(list(doc_ids))
    missing = sorted(set(doc_ids) - set(removed))
    click.echo(f"Removed {len(removed)} article(s)." + (f" Not indexed: {', '.join(missing)}" if missing else ""))
    if missing and not removed:
        sys.exit(1)


def _backend_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--backend", type=click.Choice(BACKENDS), help="Answer generator (default: llm.backend from config).")(f)


COLOUR = {"✔": "green", "?": "yellow", "✘": "red", "≈": "cyan"}


def print_answer(answer: Any, via: str = "") -> None:
    """The outcome, the checked answer, then each citation with its exact location (`rag.render.answer_parts`)."""
    from rag.render import answer_parts

    indent = {"source": "  ", "quote": "      ", "where": "      ", "also": "      ", "unsupported": "  [unsupported] "}
    for kind, text in answer_parts(answer):
        if kind == "outcome":
            click.secho(text, fg=COLOUR.get(text[:1]), bold=True)
        elif kind == "unsupported":
            click.secho(indent[kind] + text, fg="yellow")
        else:
            click.echo(indent.get(kind, "") + (f'"{text}"' if kind == "quote" else text))
    total = answer.timings_ms.get("total_ms", 0)
    server = f" (the server at {via})" if via else ""
    click.secho(f"-- answered by {answered_by(answer)}{server} in {total / 1000:.1f} s", dim=True, err=True)


def run_question(ctx: click.Context, question: str, backend: str | None, top_k: int | None, as_json: bool, history: list | None = None, check: bool = True) -> Any:
    """Stream a draft to a terminal's stderr, then print the checked answer."""
    live = sys.stderr.isatty() and not as_json
    for event in ctx.obj.stream(question, backend=backend, top_k=top_k, history=history, check=check):
        if live and event.notice:
            click.secho(f"\n[{event.notice}]", fg="yellow", err=True)
        if live and event.delta:
            click.secho(event.delta, nl=False, dim=True, err=True)
    answer = event.answer
    if live:
        click.echo("\n", err=True)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)
    return answer


@main.command("ask")
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer as JSON (question, answer, outcome, confidence, refused, backend, model, citations, …).")
@_backend_option
@click.option("--top-k", type=click.IntRange(1, 50), help="Passages to retrieve (default: retrieve.top_k).")
@click.option(
    "--server",
    help="Ask this running 'rag serve' (URL) instead of loading the models here; default: env RAG_SERVER, "
    "or the server at ui.host:ui.port when it serves this same collection.",
)
@click.option("--local", is_flag=True, help="Answer in this process even if a server is running.")
@click.option("--no-check", is_flag=True, help="The reader alone: skip the reading model's check of its candidates (faster; claims less). Answers in this process.")
@click.pass_context
@handle_errors
def ask_command(ctx: click.Context, question: str, as_json: bool, backend: str | None, top_k: int | None, server: str | None, local: bool, no_check: bool) -> None:
    """Answer QUESTION from the indexed articles, with citations.

    \b
    Four states, marked on the first line:
      ✔ answer    a short answer, claimed only when its calibrated confidence is high, then its evidence
                  (the embedded model's answer, or the reader's best candidates, judged by the reading model)
      ≈ likely    "Likely: X — 62 %": the best answer and its calibrated chance, too low to claim, then the passages
      ? evidence  no short answer claimed: the most relevant passages, quoted and cited
      ✘ not found nothing in the articles is about the question
    """
    from rag.remote import ask_server, find_server

    settings = settings_of(ctx)
    url = None if local or no_check else find_server(settings, server)
    if url:
        from rag.schema import Answer

        answer = Answer.from_dict(ask_server(url, question, backend, top_k))
        if as_json:
            click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        else:
            print_answer(answer, via=url)
        return
    if settings.read.parse:
        from rag.read import parse_ahead

        parse_ahead.start(settings.read.model)  # the parser loads in a second process while this one opens the store
    from rag.assistant import Assistant

    ctx.obj = Assistant(settings)
    run_question(ctx, question, backend, top_k, as_json, check=not no_check)


@main.command("chat")
@_backend_option
@click.option("--top-k", type=click.IntRange(1, 50), help="Passages to retrieve per question.")
@click.pass_context
@handle_errors
def chat_command(ctx: click.Context, backend: str | None, top_k: int | None) -> None:
    """Interactive questions; follow-ups ("and when?") use the conversation so far. Ctrl-D quits."""
    ctx.obj = assistant(ctx)
    history: list[tuple[str, str]] = []
    click.echo("Ask about the articles. Empty line or Ctrl-D to quit.")
    while True:
        try:
            question = input("> ")
        except EOFError:
            break
        if not question.strip():
            break
        try:
            answer = run_question(ctx, question, backend, top_k, False, history)
        except RagError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            continue
        history.append((question, answer.answer))


@main.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
@handle_errors
def info_command(ctx: click.Context, as_json: bool) -> None:
    """Collection statistics and which backends can answer right now."""
    helper = assistant(ctx)
    info = helper.info()
    info["articles_list"] = helper.articles()
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo(f"Store:    {info['store']}")
    click.echo(f"Indexed:  {info['articles']} articles, {info['chunks']} chunks")
    for row in info["articles_list"]:
        click.echo(f"  {row['doc_id']}  {row['date'] or '----------'}  {row['outlet'] or '-':10}  {row['chunks']:3d} chunks  {row['title'][:60]}")
    click.echo(f"Backend:  {info['backend']}")
    for name, status in info["backends"].items():
        click.echo(f"  {name:10} {status}")
    checker = info["checker"]
    fitted = f"claim model fitted for {checker['claim_model_fitted_for']}, verifier for {checker['verifier_fitted_for']}"
    click.echo(f"Checker:  {checker['model']}: {checker['status']} ({fitted})")
    click.echo("Models:   (packaged GGUF models, assembled from their packages and verified by sha256)")
    for name, status in info["models"].items():
        click.echo(f"  {name:20} {status}")


@main.command("show")
@click.argument("doc_id")
@click.pass_context
@handle_errors
def show_command(ctx: click.Context, doc_id: str) -> None:
    """Print an indexed article's title, outlet, date and stored text.

    Citation offsets (DOC_ID:START-END) index this text: a .txt or .md file's own
    text, or the article text extracted from a saved .html page.
    """
    row, text = assistant(ctx).article(doc_id)
    click.echo(f"{row.get('title', '')}\n{row.get('outlet') or '-'} · {row.get('date') or '-'} · {doc_id}\n")
    click.echo(text, nl=not text.endswith("\n"))


@main.command("config")
@click.pass_context
@handle_errors
def config_command(ctx: click.Context) -> None:
    """Print every setting in effect (defaults, config.toml, environment) with what it does, as TOML."""
    from rag.config import to_toml

    click.echo(to_toml(assistant(ctx).settings), nl=False)


@main.command("eval")
@click.option(
    "--gold",
    "gold_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Gold Q&A file in the DESIGN.md format (default: eval/test.jsonl, the held-out half; tune on eval/dev.jsonl).",
)
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("eval/out"), show_default=True, help="Where results.json, report.md and plots go."
)
@click.option(
    "--backend",
    type=click.Choice([*BACKENDS, "oracle", "liar", "mix"]),
    help=(
        "Answer generator (default: llm.backend); 'oracle' writes each reference answer as the model's text and reports what the pipeline "
        "loses of it; 'liar' swaps each answer's key fact for another of the same kind from the shown passages (how many pass as claims); "
        "'mix' is the oracle for 85 % of questions and the liar for the rest (seeded), a proxy for a capable model."
    ),
)
@click.option("--standin", metavar="MODEL", help="Answer with a packaged GGUF (qwen2.5-coder-1.5b, …) behind a stand-in Ollama server, via the Ollama path.")
@click.option("--no-baseline", is_flag=True, help="Skip the rules-free baseline (llama-index default retrieval; the nearest sentence as the answer).")
@click.option("--ablate", is_flag=True, help="Also score the system with each component off (cleaning, BM25, dense, merging).")
@click.option("--no-perturb", is_flag=True, help="Skip the perturbation suite (every question re-asked in lower case, without punctuation, with typos).")
@click.option("--no-reader", is_flag=True, help="Skip the reader-alone column (the system without the reading model's check; scored when a checker is installed).")
@click.option(
    "--articles",
    type=click.Path(file_okay=False, path_type=Path),
    help="Score a gold file over another collection: these articles, in a scratch store (e.g. eval/collections/valley-league/articles).",
)
@click.option("--gate", is_flag=True, help="Exit non-zero when a metric misses its threshold in config.toml [eval.thresholds], or was not measured.")
@click.pass_context
@handle_errors
def eval_command(
    ctx: click.Context,
    gold_path: Path | None,
    out_dir: Path,
    backend: str | None,
    no_baseline: bool,
    ablate: bool,
    no_perturb: bool,
    no_reader: bool,
    articles: Path | None,
    gate: bool,
    standin: str | None,
) -> None:
    """Score retrieval, answers, refusals and citations against a gold Q&A set, beside a rules-free baseline.

    What the user reads first is scored first: lead_accuracy (the short answer holds the facts),
    confidently_wrong_rate (a claimed answer that is wrong, or any claim on an unanswerable question),
    then must_include, refusals and citations. See eval/README.md.
    """
    from rag.assistant import Assistant
    from rag.evaluate.run import DEFAULT_GOLD, collection_settings, run_eval, served

    helper = assistant(ctx)
    gold = gold_path or helper.settings.resolve(DEFAULT_GOLD)
    if articles is not None:
        helper = Assistant(collection_settings(helper.settings, articles))
    with served(helper, standin) as standin_backend:
        backend = standin_backend or backend
        results, written, failures = run_eval(helper, gold, out_dir, backend, not no_baseline, ablate, perturbed=not no_perturb, with_reader=not no_reader)
    from rag.evaluate.report import printed

    click.echo(printed(results))
    click.echo("Wrote " + ", ".join(str(p) for p in written))
    for failure in failures:
        click.secho(f"GATE FAIL: {failure}", fg="red", err=True)
    if gate and failures:
        sys.exit(1)


@main.command("serve")
@click.option("--host", help="Address to listen on (default: ui.host, 127.0.0.1). Any non-loopback address needs RAG_UI_USER/RAG_UI_PASSWORD.")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: ui.port, 7860).")
@click.option("--insecure", is_flag=True, help="Allow a non-loopback address without a login. Anyone who can reach it can read and change the collection.")
@click.option("--watch", "keep_watching", is_flag=True, help="Keep the configured folders indexed while serving (as 'rag ingest --watch').")
@click.pass_context
@handle_errors
def serve_command(ctx: click.Context, host: str | None, port: int | None, insecure: bool, keep_watching: bool) -> None:
    """Start the web chat and the JSON API (/api/ask, /api/articles; schema at /api/openapi.json).

    The chat streams cited answers, with a sources panel and document
    upload/removal; the API returns the same Answer JSON, under the same login.
    """

    from rag.ui import serve, serving_auth

    helper = assistant(ctx)
    host = host or helper.settings.ui.host
    port = port or helper.settings.ui.port
    auth = serving_auth(host, dict(os.environ), insecure)
    if helper.store.chunk_count() == 0:
        click.echo("The collection is empty: ingesting the configured folders first.", err=True)
        click.echo(helper.ingest(show_progress=sys.stderr.isatty()).summary(), err=True)
    stop = threading.Event()
    if keep_watching:
        from rag.watch import watch

        threading.Thread(target=watch, args=(helper,), kwargs={"say": lambda line: click.echo(line, err=True), "stop": stop}, daemon=True, name="rag-watch").start()
    click.echo(f"Serving on http://{host}:{port}" + (" (login required)" if auth else "") + f" — {helper.warm_check()} — Ctrl+C to stop.", err=True)
    try:
        serve(helper, host, port, auth)
    finally:
        stop.set()
