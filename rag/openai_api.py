"""The OpenAI-compatible chat endpoint: `GET /v1/models` and `POST /v1/chat/completions`, streamed or not, on the
server `rag serve` starts, so the chat tools people already run (Open WebUI, LibreChat, Continue, the `openai` client)
can ask the articles.

Wiring only, like `/api`: the conversation's last user message is the question, its earlier user and assistant turns
the history, and the facade answers. What such clients show is the message text, so the content is the answer as the
terminal prints it, in Markdown (`rag.render.answer_message`): the outcome and its confidence, the answer, then the
numbered sources with their quotes and exact `doc_id:start-end`. The Answer JSON rides along in the response's `rag`
field (in the last chunk of a stream), for clients that read more. The model names the backend: `rag` answers with
the configured one, `rag:extractive`, `rag:llamacpp`, `rag:ollama`, `rag:auto` with that one.

A stream starts with the assistant's role at once, keeps the connection alive with SSE comments while the facade
reads, then sends the message line by line, the closing chunk and `data: [DONE]`. A request the facade refuses within
`FIRST_BYTE_S` (Ollama not reachable, the store down) gets its status code before any byte of the stream.

The login, when the app has one, is the chat's: these clients send it as an API key (`Authorization: Bearer
PASSWORD`, or `Bearer USER:PASSWORD`); HTTP Basic is accepted too. Errors are OpenAI's shape
``{"error": {"message", "type", "param", "code"}}`` with `/api`'s status codes.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from itertools import pairwise
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPBasic, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from rag.assistant import MAX_QUESTION_CHARS, Assistant
from rag.render import SOURCES_HEADING, answer_message
from rag.schema import Answer
from rag.surface import BACKEND_CHOICES

MODEL = "rag"
KEEPALIVE_S = 5.0  # an SSE comment this often while the facade reads, so no client or proxy gives up waiting
FIRST_BYTE_S = 2.0  # a refusal this quick (a backend down) gets its status code instead of an error inside the stream
ERROR_TYPES = {401: "authentication_error", 503: "service_unavailable"}
ERROR_CODES = {400: "refused", 401: "invalid_api_key", 404: "not_found", 413: "too_large", 422: "invalid_request", 503: "unavailable"}


class ContentPart(BaseModel):
    """One part of a message's content as clients send it (``{"type": "text", "text": …}``); images are not read."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(max_length=40)
    text: str | None = Field(default=None, max_length=20_000)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Annotated[str, Field(max_length=20_000)] | Annotated[list[ContentPart], Field(max_length=50)] | None = None


class ChatRequest(BaseModel):
    """What the clients send; the sampling settings they add (temperature, max_tokens, …) are accepted and unused."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1, max_length=100, description=f"`{MODEL}`, or `{MODEL}:BACKEND` (GET /v1/models lists them)")
    messages: list[ChatMessage] = Field(min_length=1, max_length=200, description="the conversation; the last user message is the question")
    stream: bool = Field(default=False, description="server-sent events: `data: {chunk}` lines, then `data: [DONE]`")


class ModelOut(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = MODEL


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelOut]


class ReplyMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ReplyMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    rag: Answer = Field(description="the Answer JSON (/api/ask's): outcome, short answer, confidence, citations with exact spans")


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorOut(BaseModel):
    error: ErrorBody


def openai_error(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """`/api`'s ``{"error", "hint"}`` in OpenAI's shape: the hint joins the message, the status names type and code."""
    message = body.get("error", "error") + (f" — {body['hint']}" if body.get("hint") else "")
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": ERROR_CODES.get(status)}}


def model_ids() -> list[str]:
    return [MODEL, *(f"{MODEL}:{choice}" for choice in BACKEND_CHOICES)]


def backend_of(model: str) -> str | None:
    """The backend a model name asks for (None: the configured one); an unknown name is a 404, as OpenAI's is."""
    if model not in model_ids():
        raise HTTPException(404, {"error": f"The model '{model}' does not exist", "hint": f"GET /v1/models lists them: {', '.join(model_ids())}"})
    return model.partition(":")[2] or None


def _text(content: str | list[ContentPart] | None) -> str:
    if isinstance(content, list):
        return "\n".join(part.text for part in content if part.type == "text" and part.text)
    return content or ""


def conversation(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """(the last user message, the earlier (question, answer) pairs); an answer of ours is kept up to its sources."""
    turns = [(m.role, _text(m.content).strip()) for m in messages if m.role in ("user", "assistant")]
    last = max((i for i, (role, _) in enumerate(turns) if role == "user"), default=None)
    question = turns[last][1] if last is not None else ""
    if not question or len(question) > MAX_QUESTION_CHARS or not any(c.isalnum() for c in question):
        hint = f"1 to {MAX_QUESTION_CHARS} characters, a letter or digit among them"
        raise HTTPException(422, {"error": "bad request: messages: the last user message must hold a question", "hint": hint})
    history = []
    for (role, text), (next_role, reply) in pairwise(turns[:last]):
        if role == "user" and next_role == "assistant" and text:
            history.append((text, reply.split(SOURCES_HEADING)[0].strip()))  # the answer, not its sources
    return question, history


def _guard(auth: tuple[str, str]):
    """The login as these clients send it: an API key (Bearer PASSWORD or USER:PASSWORD), or HTTP Basic."""
    bearer, basic = HTTPBearer(auto_error=False), HTTPBasic(auto_error=False)
    same = lambda given, wanted: secrets.compare_digest(given.encode(), wanted.encode())  # noqa: E731

    def check(request: Request, key=Depends(bearer), login=Depends(basic)) -> None:  # noqa: B008 (FastAPI's way)
        user, password = auth
        if key is not None and (same(key.credentials, password) or same(key.credentials, f"{user}:{password}")):
            return
        if login is not None and same(login.username, user) and same(login.password, password):
            return
        hint = "send the chat's password as the API key (Authorization: Bearer PASSWORD)"
        raise HTTPException(401, {"error": "login required", "hint": hint}, {"WWW-Authenticate": "Bearer"})

    return check


def add_openai_routes(api: FastAPI, assistant: Assistant, auth: tuple[str, str] | None, facade: Callable[..., Awaitable[Any]]) -> None:
    """`/v1/models` and `/v1/chat/completions` on the app `rag.api.build_api` makes; ``facade`` runs a facade call as
    `/api` does (off the event loop, its refusals as 400 or 503)."""
    guard = [Depends(_guard(auth))] if auth else []
    errors: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (401, 404, 422, 503)}
    started = int(time.time())

    @api.get("/v1/models", response_model=ModelList, dependencies=guard, responses=errors, tags=["openai"])
    async def models() -> dict:
        return {"object": "list", "data": [{"id": name, "object": "model", "created": started, "owned_by": MODEL} for name in model_ids()]}

    streamed = {200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}, "description": "the answer; server-sent events when stream is true"}}

    @api.post("/v1/chat/completions", response_model=ChatCompletion, dependencies=guard, responses=errors | {400: {"model": ErrorOut}} | streamed, tags=["openai"])
    async def chat(request: ChatRequest):
        backend = backend_of(request.model)
        question, history = conversation(request.messages)
        reply = Reply(request.model)
        task = asyncio.ensure_future(facade(assistant.ask, question, backend=backend, history=history or None))
        if not request.stream:
            return reply.completion(await task)
        await asyncio.wait({task}, timeout=FIRST_BYTE_S)
        if task.done():
            await task  # a quick refusal: its status code, not a stream
        return StreamingResponse(reply.events(task), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


class Reply:
    """One completion's envelope: its id, time and model, as a whole message or as stream chunks."""

    def __init__(self, model: str) -> None:
        self.id, self.created, self.model = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), model

    def completion(self, answer: Answer) -> dict[str, Any]:
        message = {"role": "assistant", "content": answer_message(answer)}
        return self._envelope("chat.completion") | {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}], "rag": answer.to_dict()}

    def chunk(self, delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
        body = self._envelope("chat.completion.chunk") | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]} | extra
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def _envelope(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    async def events(self, task: asyncio.Future) -> AsyncIterator[str]:
        yield self.chunk({"role": "assistant", "content": ""})
        while not task.done():
            done, _ = await asyncio.wait({task}, timeout=KEEPALIVE_S)
            if not done:
                yield ": reading the articles\n\n"
        try:
            answer = await task
        except HTTPException as exc:  # refused after the stream began: OpenAI's error event, then the end
            yield f"data: {json.dumps(openai_error(exc.status_code, exc.detail), ensure_ascii=False)}\n\n"
            yield "data: [DONE]\n\n"
            return
        for line in answer_message(answer).splitlines(keepends=True):
            yield self.chunk({"content": line})
        yield self.chunk({}, "stop", rag=answer.to_dict())
        yield "data: [DONE]\n\n"
