"""Production backend: any chat model the user has pulled into an Ollama server.

Streaming is llama-index's `Ollama` LLM (over the official `ollama` client);
availability (server up, model pulled) is checked with `ollama.Client.list`,
i.e. `/api/tags`. `num_ctx` is always sent, so Ollama never falls back to its
2k default and truncates the prompt, and the prompt is budgeted to fit it.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from rag.answer.backends.base import ChatGenerator
from rag.answer.prompt import STOP
from rag.config import LLMSettings
from rag.errors import RagError, Unavailable

CHECK_TIMEOUT_S = 3.0


def _unreachable(host: str) -> RagError:
    return Unavailable(
        f"Ollama is not reachable at {host}",
        "start it with 'ollama serve', set OLLAMA_HOST, or use --backend extractive",
    )


def _same_model(wanted: str, pulled: str) -> bool:
    """'llama3.2' names 'llama3.2:latest', as the Ollama CLI treats it."""
    return pulled == wanted or (":" not in wanted and pulled == f"{wanted}:latest")


class OllamaGenerator(ChatGenerator):
    name = "ollama"

    def __init__(self, settings: LLMSettings) -> None:
        super().__init__(settings)
        self.host = settings.ollama_host
        self.model = settings.ollama_model

    def check(self) -> None:
        import ollama

        client = ollama.Client(host=self.host, timeout=CHECK_TIMEOUT_S)
        try:
            listing = client.list()
        except (ConnectionError, httpx.HTTPError) as exc:
            raise _unreachable(self.host) from exc
        except ollama.ResponseError as exc:
            raise RagError(f"Ollama at {self.host} answered with an error: {exc.error}") from exc
        pulled = [m.model or "" for m in listing.models]
        if not any(_same_model(self.model, name) for name in pulled):
            raise RagError(
                f"Ollama model '{self.model}' is not pulled on {self.host}",
                f"run 'ollama pull {self.model}' or set llm.ollama_model to one of: {', '.join(pulled) or 'none pulled'}",
            )

    def _stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        import ollama
        from llama_index.core.llms import ChatMessage
        from llama_index.llms.ollama import Ollama

        llm = Ollama(
            model=self.model,
            base_url=self.host,
            request_timeout=self.settings.timeout_s,
            context_window=self.settings.num_ctx,  # also skips the /api/show lookup
            temperature=self.settings.temperature,
            additional_kwargs={"num_predict": self.settings.max_tokens, "stop": STOP},
        )
        done, reason = False, ""
        try:
            for response in llm.stream_chat([ChatMessage(role=m["role"], content=m["content"]) for m in messages]):
                done = done or bool(response.raw.get("done"))
                reason = response.raw.get("done_reason") or reason
                if response.delta:
                    yield response.delta
        except httpx.TimeoutException as exc:
            raise Unavailable(f"Ollama at {self.host} did not answer within {self.settings.timeout_s:g} s", "raise llm.timeout_s or use a smaller model") from exc
        except (ConnectionError, httpx.TransportError) as exc:
            raise Unavailable(f"The connection to Ollama at {self.host} broke off mid-answer", "check the server, then ask again") from exc
        except ollama.ResponseError as exc:
            if exc.status_code == 404:
                raise Unavailable(f"Ollama model '{self.model}' is not pulled on {self.host}", f"run 'ollama pull {self.model}'") from exc
            raise RagError(f"Ollama answered with an error: {exc.error}") from exc
        except ValueError as exc:  # a line of the NDJSON stream that is not JSON
            raise RagError(f"Ollama at {self.host} sent a malformed stream") from exc
        if not done:
            raise RagError(f"Ollama at {self.host} ended the stream before the answer was complete", "ask again")
        if reason == "length":  # it stopped at num_predict (llm.max_tokens), mid-answer
            raise self.cut_at_max_tokens()
