"""The plain HTTP JSON API beside the web chat: the same facade, the same Answer JSON, the same login (and, from
`rag.openai_api`, the OpenAI-compatible `/v1` routes on the same app).

`POST /api/ask`, `GET`/`POST /api/articles`, `DELETE /api/articles/{doc_id}`
and the OpenAPI schema at `/api/openapi.json`, on the server `rag serve`
starts (FastAPI, which Gradio itself runs on). Wiring only: every route is one
facade call. A login, when the app requires one, is HTTP Basic with the same
RAG_UI_USER / RAG_UI_PASSWORD as the chat's login form.

Errors are JSON ``{"error", "hint"}``: 400 for a request the facade refuses,
401 without the login, 404 for an unknown article, 413 for an upload over
collection.max_file_mb, 422 for a body of the wrong shape, 503 when the store
or a model is not reachable (`rag.errors.Unavailable`).
"""

from __future__ import annotations

import secrets
from typing import Any, Literal

from fastapi import Depends, FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from rag.assistant import MAX_QUESTION_CHARS, Assistant
from rag.errors import RagError, Unavailable
from rag.openai_api import add_openai_routes, openai_error
from rag.schema import Answer  # the dataclass is the response schema: DESIGN.md's Answer JSON, written once
from rag.surface import BACKEND_CHOICES as CHOICES


def ask_request(candidates: int) -> type[BaseModel]:
    """The body of ``POST /api/ask``, bounded as the facade bounds it, so the schema says exactly what is accepted."""

    class AskRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")

        # a letter or digit of any script (\w): a question of only spaces, marks or control characters is no question
        question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, pattern=r"\w")
        backend: Literal[CHOICES] | None = Field(default=None, description="the backend to answer with; the configured one when absent")  # type: ignore[valid-type]
        top_k: int | None = Field(default=None, ge=1, le=candidates, description="passages to read; retrieve.top_k when absent")
        history: list[tuple[str, str]] | None = Field(default=None, max_length=20, description="earlier (question, answer) pairs of this conversation")

    return AskRequest


class ArticleOut(BaseModel):
    doc_id: str
    title: str = ""
    outlet: str = ""
    date: str = ""
    chunks: int = 0


class UploadOut(BaseModel):
    saved: list[str]
    rejected: list[str]
    summary: str
    problems: list[str]


class RemovedOut(BaseModel):
    removed: list[str]


class ErrorOut(BaseModel):
    error: str
    hint: str = ""


ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 422, 503)}


def _fail(status: int, message: str, hint: str = "") -> HTTPException:
    return HTTPException(status, {"error": message, "hint": hint})


def _guard(auth: tuple[str, str]):
    """A dependency that lets a request through only with the login, when the app has one."""
    basic = HTTPBasic(auto_error=False)

    def check(credentials: HTTPBasicCredentials | None = Depends(basic)) -> None:  # noqa: B008 (FastAPI's way)
        given = (credentials.username, credentials.password) if credentials else ("", "")
        if not (secrets.compare_digest(given[0].encode(), auth[0].encode()) and secrets.compare_digest(given[1].encode(), auth[1].encode())):
            raise HTTPException(
                401, {"error": "login required", "hint": "send the user and password with HTTP Basic (curl -u USER:PASSWORD)"}, {"WWW-Authenticate": "Basic"}
            )

    return check


async def _facade(call, *args, **kwargs):
    """Run a facade call off the event loop; its refusals become JSON errors."""
    try:
        return await run_in_threadpool(call, *args, **kwargs)
    except Unavailable as exc:
        raise _fail(503, exc.message, exc.hint) from exc
    except RagError as exc:
        raise _fail(400, exc.message, exc.hint) from exc


def build_api(assistant: Assistant, auth: tuple[str, str] | None = None) -> FastAPI:
    """The FastAPI app with the JSON routes; `rag.ui.serve` mounts the chat on it at ``/``."""
    api = FastAPI(title="rag", description=__doc__, version="1", openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None)
    guard = [Depends(_guard(auth))] if auth else []  # the schema documents a login only where one is asked for
    _json_errors(api)

    async def ask(request) -> dict:
        history = [tuple(pair) for pair in request.history] if request.history else None
        answer = await _facade(assistant.ask, request.question, backend=request.backend, top_k=request.top_k, history=history)
        return answer.to_dict()

    ask.__annotations__["request"] = ask_request(assistant.settings.retrieve.candidates)  # a class made here, not a name to resolve
    api.post("/api/ask", response_model=Answer, dependencies=guard, responses=ERRORS)(ask)
    _article_routes(api, assistant, guard)
    add_openai_routes(api, assistant, auth, _facade)
    return api


def _json_errors(api: FastAPI) -> None:
    """Every error as ``{"error", "hint"}``, a malformed body's included (FastAPI's own is ``{"detail": [...]}``)."""

    def shaped(request: Request, status: int, body: dict, headers: dict | None = None) -> JSONResponse:
        """`/v1` speaks OpenAI's error shape, the rest ``{"error", "hint"}``."""
        return JSONResponse(openai_error(status, body) if request.url.path.startswith("/v1/") else body, status, headers=headers)

    @api.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        body = exc.detail if isinstance(exc.detail, dict) else {"error": str(exc.detail), "hint": ""}
        return shaped(request, exc.status_code, body, exc.headers)

    @api.exception_handler(RequestValidationError)
    async def _bad_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return shaped(request, 422, {"error": f"bad request: {where}", "hint": "see /api/openapi.json"})


def _article_routes(api: FastAPI, assistant: Assistant, guard: list) -> None:
    max_bytes = int(assistant.settings.collection.max_file_mb * 1e6)

    @api.get("/api/articles", response_model=list[ArticleOut], dependencies=guard, responses=ERRORS)
    async def articles() -> list[dict]:
        return await _facade(assistant.articles)

    @api.post("/api/articles", response_model=UploadOut, dependencies=guard, responses=ERRORS | {413: {"model": ErrorOut}})
    async def upload(files: list[UploadFile] = File(..., min_length=1, description="article files: .txt, .md, .html, .pdf, .docx")) -> dict:  # noqa: B008
        pairs = []
        for file in files:
            data = await file.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise _fail(413, f"{file.filename}: over the {max_bytes / 1e6:g} MB limit (collection.max_file_mb)")
            pairs.append((file.filename or "upload", data))
        saved, report = await _facade(assistant.add_files, pairs)
        summary = report.summary() if report else "nothing ingested"
        return {"saved": [path.name for path in saved.saved], "rejected": saved.rejected, "summary": summary, "problems": report.problems if report else []}

    @api.delete("/api/articles/{doc_id}", response_model=RemovedOut, dependencies=guard, responses=ERRORS | {404: {"model": ErrorOut}})
    async def remove(doc_id: str) -> dict:
        removed = await _facade(assistant.remove, [doc_id])
        if not removed:
            raise _fail(404, f"No article '{doc_id}' is indexed", "GET /api/articles lists them")
        return {"removed": removed}
