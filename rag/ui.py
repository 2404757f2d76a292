"""`rag serve`: the Gradio chat over the `Assistant` facade.

Wiring only: questions, uploads and removals go to the facade; markup comes
from `rag.render`. No retrieval, prompting or citation logic lives here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from rag.assistant import Assistant
from rag.errors import RagError
from rag.examples import example_questions
from rag.remote import store_identity
from rag.render import CSS, answer_markdown, escape_markdown, sources_html, status_line
from rag.schema import Citation
from rag.surface import BACKEND_LABELS, article_suffixes

BACKEND_CHOICES = BACKEND_LABELS
ARTICLE_HEADERS = ["doc_id", "title", "outlet", "date", "chunks"]
PROGRESS = gr.Progress(track_tqdm=True)  # Gradio injects a live tracker where a handler's default is one; track_tqdm shows ingest's bars


def _article_rows(assistant: Assistant) -> list[list[Any]]:
    return [[row[h] for h in ARTICLE_HEADERS] for row in assistant.articles()]


def _documents_view(assistant: Assistant, message: str) -> tuple:
    """The Documents tab after a change: the article table, the removal choices, a status line (one read of the collection)."""
    rows = _article_rows(assistant)
    return rows, gr.update(choices=[r[0] for r in rows], value=[]), message


def _error_text(exc: RagError) -> str:
    return f"⚠️ {escape_markdown(exc.message)}" + (f" ({escape_markdown(exc.hint)})" if exc.hint else "")


class Handlers:
    """What the page's events do: each a thin call into the facade, rendered by `rag.render`."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def context(self, citation: Citation) -> tuple[str, str, str]:
        return self.assistant.passage_context(citation.doc_id, citation.start, citation.end)

    def respond(self, message: str, chat: list[dict], pairs: list[tuple[str, str]], backend: str, model: str, top_k: float) -> Iterator[tuple]:
        """Stream one answer into the chat; `pairs` is this session's (question, answer) history.

        The question box is emptied once, when the question is taken; later updates leave it alone, so a next
        question typed while this one is answered is never wiped (the send events defer it: `_chat_tab`)."""
        chat = [*chat, {"role": "user", "content": escape_markdown(message)}, {"role": "assistant", "content": "…"}]
        yield chat, pairs, gr.update(), "Searching the articles…", ""
        try:
            for event in self.assistant.stream(message, backend=backend, top_k=int(top_k), history=pairs or None, model=model.strip() or None):
                if event.answer is not None:
                    chat[-1]["content"] = answer_markdown(event.answer)
                    pairs = [*pairs, (message, event.answer.answer)]
                    yield chat, pairs, sources_html(event.answer, self.context), status_line(event.answer), gr.update()
                    return
                chat[-1]["content"] = answer_markdown(None, event.draft)
                yield chat, pairs, gr.update(), f"↻ {escape_markdown(event.notice)}" if event.notice else "Answering…", gr.update()
        except RagError as exc:
            chat[-1]["content"] = _error_text(exc)
            yield chat, pairs, sources_html(None, self.context), _error_text(exc), gr.update()

    def ask_api(self, question: str, backend: str = "", top_k: int = 0) -> dict:
        """The Answer JSON of DESIGN.md for one question, with the configured backend unless one is named."""
        try:
            return self.assistant.ask(question, backend=backend or None, top_k=top_k or None).to_dict()
        except RagError as exc:
            raise gr.Error(f"{exc.message}" + (f" ({exc.hint})" if exc.hint else "")) from exc

    def store_api(self) -> dict:
        """Which collection this server answers from: `rag ask` reuses a running server only when it is its own."""
        return store_identity(self.assistant.settings)

    def upload(self, files: list[str] | None, progress: gr.Progress = PROGRESS) -> tuple:
        if not files:
            return gr.update(), gr.update(), "Choose .txt, .md, .html, .pdf or .docx files first."
        progress(0, desc="Checking files")
        pairs = [(Path(f).name, Path(f).read_bytes()) for f in files]
        try:
            saved, report = self.assistant.add_files(pairs)
        except RagError as exc:
            return gr.update(), gr.update(), _error_text(exc)
        lines = [f"- ✗ {escape_markdown(r)}" for r in saved.rejected]
        if report is not None:
            lines.insert(0, f"- ✓ {escape_markdown(report.summary())}")
            lines += [f"- ✗ {escape_markdown(p)}" for p in report.problems]
        return _documents_view(self.assistant, "\n".join(lines) or "Nothing ingested.")

    def remove(self, doc_ids: list[str] | None) -> tuple:
        if not doc_ids:
            return gr.update(), gr.update(), "Pick articles to remove."
        try:
            removed = self.assistant.remove(list(doc_ids))
        except RagError as exc:
            return gr.update(), gr.update(), _error_text(exc)
        return _documents_view(self.assistant, f"Removed {len(removed)} article(s): {escape_markdown(', '.join(removed))}")


def build_app(assistant: Assistant) -> gr.Blocks:
    handlers = Handlers(assistant)
    with gr.Blocks(title="rag: cited answers from your articles") as app:
        gr.Markdown("## Ask your articles\nEvery sentence of an answer is checked against the passages it cites. Expand a source to see the passage.")
        with gr.Tab("Chat"):
            _chat_tab(handlers)
        with gr.Tab("Documents"):
            _documents_tab(handlers)
        gr.api(handlers.ask_api, api_name="ask")
        gr.api(handlers.store_api, api_name="store")
    return app


def _chat_tab(handlers: Handlers) -> None:
    settings = handlers.assistant.settings
    pairs = gr.State([])
    with gr.Row():
        with gr.Column(scale=3):
            chat = gr.Chatbot(label="Conversation", height=460, elem_id="rag-chat", feedback_options=None)
            question = gr.Textbox(label="Question", placeholder="Ask about the articles…", elem_id="rag-question", autofocus=True)
            with gr.Row():
                send = gr.Button("Ask", variant="primary", elem_id="rag-send")
                clear = gr.Button("New conversation", elem_id="rag-clear")
            status = gr.Markdown("", elem_id="rag-status")
            examples = example_questions(handlers.assistant)
            if examples:
                gr.Examples(examples, inputs=question, label="Try")
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            sources = gr.HTML(sources_html(None, handlers.context), elem_id="rag-sources")
    with gr.Accordion("Settings", open=False):
        backend = gr.Dropdown(BACKEND_CHOICES, value=settings.llm.backend, label="Backend", elem_id="rag-backend")
        model = gr.Textbox(value=settings.llm.ollama_model, label="Ollama model")
        top_k = gr.Slider(1, 10, value=settings.retrieve.top_k, step=1, label="Passages (top-k)")
    outputs = [chat, pairs, sources, status, question]
    inputs = [question, chat, pairs, backend, model, top_k]
    # Gradio's default ("once") drops a question sent while an answer is still pending, without a word, even in the
    # moment between the answer showing and its event closing; "always_last" asks it when the pending one is done.
    question.submit(handlers.respond, inputs, outputs, api_visibility="private", trigger_mode="always_last")
    send.click(handlers.respond, inputs, outputs, api_visibility="private", trigger_mode="always_last")
    clear.click(lambda: ([], [], sources_html(None, handlers.context), ""), None, [chat, pairs, sources, status], api_visibility="private")


def _documents_tab(handlers: Handlers) -> None:
    rows = _article_rows(handlers.assistant)
    articles = gr.Dataframe(rows, headers=ARTICLE_HEADERS, label="Indexed articles", interactive=False, elem_id="rag-articles")
    files = gr.File(
        label=f"Add articles (.txt, .md, saved .html pages, .pdf, .docx; up to {handlers.assistant.settings.collection.max_file_mb:g} MB each)",
        file_count="multiple",
        file_types=article_suffixes(),
        elem_id="rag-upload",
    )
    add = gr.Button("Ingest uploaded files", variant="primary", elem_id="rag-ingest")
    to_remove = gr.Dropdown([r[0] for r in rows], multiselect=True, label="Remove articles", elem_id="rag-remove-pick")
    remove_button = gr.Button("Remove selected", variant="stop", elem_id="rag-remove")
    doc_status = gr.Markdown("", elem_id="rag-doc-status")
    add.click(handlers.upload, files, [articles, to_remove, doc_status], api_visibility="private")
    remove_button.click(handlers.remove, to_remove, [articles, to_remove, doc_status], api_visibility="private")


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serving_auth(host: str, env: dict[str, str], insecure: bool) -> tuple[str, str] | None:
    """Credentials for Gradio's login, from RAG_UI_USER / RAG_UI_PASSWORD.

    Loopback needs none. Any other address is reachable by others, so it
    needs them, unless the user says --insecure out loud.
    """
    user, password = env.get("RAG_UI_USER", ""), env.get("RAG_UI_PASSWORD", "")
    if user and password:
        return user, password
    if host in LOOPBACK or host.startswith("127.") or insecure:
        return None
    raise RagError(
        f"Serving on {host} would let anyone on the network in",
        "set RAG_UI_USER and RAG_UI_PASSWORD to require a login, or pass --insecure if you really mean it",
    )


class Server:
    """The chat and the JSON API on one uvicorn server, run here or in a thread; ``.close()`` stops it."""

    def __init__(self, app, blocks: gr.Blocks, host: str, port: int) -> None:
        import uvicorn

        self.blocks = blocks
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2))
        self.thread: threading.Thread | None = None

    def run(self) -> None:
        self.server.run()

    def start(self) -> Server:
        self.thread = threading.Thread(target=self.server.run, daemon=True, name="rag-serve")
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RagError(f"The server could not start on {self.server.config.host}:{self.server.config.port}", "is the port taken? pick another with --port")
            time.sleep(0.05)
        return self

    def close(self) -> None:
        """Stop Gradio's queue, then the server; a client's event stream still open is cut, which is no error to log."""
        self.blocks.close()
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=30)


def serve(assistant: Assistant, host: str, port: int, auth: tuple[str, str] | None = None, block: bool = True) -> Server:
    """Serve the chat at ``/`` and the JSON API at ``/api`` on ``host:port``; never shared through Gradio's tunnel.

    Gradio mounted on our FastAPI app (`gr.mount_gradio_app`) rather than its own
    `launch()`, so the API's routes live on the same server under the same login.
    """
    from rag.api import build_api

    blocks = build_app(assistant)
    blocks.queue(default_concurrency_limit=4)
    app = gr.mount_gradio_app(
        build_api(assistant, auth),
        blocks,
        path="/",
        auth=auth,
        css=CSS,
        max_file_size=int(assistant.settings.collection.max_file_mb * 1e6),  # refused before it is written
        footer_links=["api"],
        server_name=host,
        server_port=port,
    )
    server = Server(app, blocks, host, port)
    if block:
        server.run()
        return server
    return server.start()
