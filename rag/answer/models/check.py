"""The reading model's check: does this sentence say that this proposed answer answers the question? P(yes).

One output token and its probability, never free text: the model checks, a
fitted model decides (`rag.read.claim`). The prompt holds the instructions,
the sentence and the question first and the candidate last, so several
candidates of one sentence share an evaluated prefix (llama.cpp keeps it in
its KV cache; only the candidate's few tokens are read again). On 2 cores the
prompt is the cost: one sentence, never whole passages.

Two checkers speak the same protocol: the embedded GGUF model in-process
(llama-cpp-python) and the user's Ollama model when the server returns
log-probabilities (Ollama >= 0.12.11). Every answer is cached on disk, keyed
by the model's sha256 and the prompt (`rag.answer.models.cache`).

Written by hand: llama-cpp-python's chat completion computes logits for the
whole answer and cannot drop a KV cache past a shared prefix on request.
"""

from __future__ import annotations

import atexit
import math
import threading
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from rag.answer.models.cache import CheckCache
from rag.errors import RagError, Unavailable

INSTRUCTIONS = (
    "You check answers against one sentence from a news article. Read the sentence and the question, then the proposed "
    "answer. Reply yes if the sentence says that the proposed answer answers the question, otherwise reply no."
)
YES_WORDS, NO_WORDS = ("yes", "Yes", "YES", " yes", " Yes"), ("no", "No", "NO", " no", " No")


@dataclass(frozen=True)
class CheckItem:
    """One candidate to check, with the sentence it was read from."""

    sentence: str
    question: str
    candidate: str


def messages(item: CheckItem) -> list[dict[str, str]]:
    """The chat: fixed instructions, then sentence and question, the candidate last (the shared prefix first)."""
    user = f"Sentence: {item.sentence}\nQuestion: {item.question}\nProposed answer: {item.candidate}"
    return [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": user}]


class Checker(Protocol):
    name: str  # the model, for "checked by …"
    where: str  # "in-process" or "via Ollama at …"
    key: str  # what the cache and the fitted claim model know the model by (its file's sha256)

    def p_yes(self, items: list[CheckItem]) -> list[float]:
        """P(yes) for each item, in order; raises `RagError` when the model cannot answer."""

    def warm(self) -> None:
        """Load what answering needs, ahead of the first check."""


def yes_share(logprobs: dict[str, float]) -> float:
    """P(yes) / (P(yes) + P(no)) from the next token's (log-)probabilities; 0.5 when neither word is among them."""
    yes = sum(math.exp(v) for k, v in logprobs.items() if k in YES_WORDS)
    no = sum(math.exp(v) for k, v in logprobs.items() if k in NO_WORDS)
    return yes / (yes + no) if yes + no > 0 else 0.5


# A llama.cpp context is not thread-safe; every check on one model takes turns.
_LOCK = threading.Lock()


class LlamaCppChecker:
    """The embedded GGUF model: tokens evaluated once per shared prefix, the next token's logits read directly."""

    where = "in-process"

    def __init__(self, path: str, name: str, key: str, threads: int = 2, n_ctx: int = 1024) -> None:
        self.path, self.name, self.key, self.threads, self.n_ctx = path, name, key, threads, n_ctx
        self._llm = None
        self._ids: tuple[list[int], list[int]] | None = None
        self._render = None  # messages -> prompt text, by the file's own chat template (compiled once: ~20 ms a build)
        self.evaluated, self.eval_s = 0, 0.0  # prompt tokens the model read and the time it spent reading them (bench/)

    def _model(self):
        if self._llm is None:
            try:
                from llama_cpp import Llama

                self._llm = Llama(model_path=self.path, n_ctx=self.n_ctx, n_threads=self.threads, n_batch=512, logits_all=False, verbose=False)
                atexit.register(self._llm.close)  # freed before interpreter shutdown clears llama_cpp's globals
            except ImportError as exc:
                raise RagError("llama-cpp-python is not installed", 'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --no-cache-dir "llama-cpp-python==0.3.36"') from exc
            except (ValueError, RuntimeError) as exc:
                raise RagError(f"llama.cpp could not load {self.path}: {exc}") from exc
            self._ids = (self._word_ids(YES_WORDS), self._word_ids(NO_WORDS))
            self._render = self._renderer()
        return self._llm

    def _renderer(self):
        """The model file's chat template (ChatML for the packaged models) as a function of the messages."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llm = self._llm
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:  # no template in the file: ChatML, what the registry's models use
            return lambda chat: "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in chat) + "<|im_start|>assistant\n"
        eos = llm._model.token_get_text(llm.token_eos()) if llm.token_eos() >= 0 else ""
        formatter = Jinja2ChatFormatter(template, eos_token=eos, bos_token="")
        return lambda chat: formatter(messages=chat).prompt

    def _word_ids(self, words: tuple[str, ...]) -> list[int]:
        ids = {tuple(self._llm.tokenize(w.encode(), add_bos=False, special=False)) for w in words}
        return sorted({t[0] for t in ids if len(t) == 1})

    def warm(self) -> None:
        """Load the model now, under the lock (a server's first question should not wait for it)."""
        with _LOCK:
            self._model()

    def prompt_tokens(self, item: CheckItem) -> list[int]:
        """The chat rendered by the model file's own template, as tokens."""
        llm = self._model()
        return llm.tokenize(self._render(messages(item)).encode(), add_bos=False, special=True)

    def p_yes(self, items: list[CheckItem]) -> list[float]:
        with _LOCK:
            try:
                return [self._one(self.prompt_tokens(item)) for item in items]
            except RagError:
                raise
            except Exception as exc:  # llama.cpp's own failures (context full, decode error) reach the user as one
                raise RagError(f"The checking model failed: {exc}") from exc

    def _one(self, tokens: list[int]) -> float:
        import llama_cpp

        llm = self._model()
        if len(tokens) >= self.n_ctx:
            tokens = tokens[-(self.n_ctx - 1) :]
        seen = list(llm._input_ids[: llm.n_tokens])
        shared = 0
        for a, b in zip(seen, tokens, strict=False):
            if a != b:
                break
            shared += 1
        shared = min(shared, len(tokens) - 1)  # the last token is always read again: its logits are the answer
        llm._ctx.kv_cache_seq_rm(-1, shared, -1)
        llm.n_tokens = shared
        started = time.perf_counter()
        llm.eval(tokens[shared:])
        self.eval_s += time.perf_counter() - started
        self.evaluated += len(tokens) - shared
        logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm._ctx.ctx, -1), shape=(llm.n_vocab(),)).astype(np.float64)
        logits -= logits.max()
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum()
        yes_ids, no_ids = self._ids
        yes, no = float(probabilities[yes_ids].sum()), float(probabilities[no_ids].sum())
        return yes / (yes + no) if yes + no > 0 else 0.5


class OllamaChecker:
    """The user's Ollama model, asked for one token with its top log-probabilities (`chat(logprobs=True)`)."""

    def __init__(self, host: str, model: str, timeout_s: float, top_logprobs: int = 10) -> None:
        self.host, self.name, self.timeout_s, self.top = host, model, timeout_s, top_logprobs
        self.where = f"via Ollama at {host}"
        self.key = f"ollama:{model}"  # the server knows the digest; the name is what is fitted against

    def warm(self) -> None:
        """Nothing to load here: the server holds the model."""

    def p_yes(self, items: list[CheckItem]) -> list[float]:
        import httpx
        import ollama

        client = ollama.Client(host=self.host, timeout=self.timeout_s)
        shares = []
        for item in items:
            try:
                response = client.chat(model=self.name, messages=messages(item), options={"num_predict": 1, "temperature": 0.0}, logprobs=True, top_logprobs=self.top)
            except (ConnectionError, httpx.HTTPError) as exc:
                raise Unavailable(f"Ollama at {self.host} did not answer the check", "check the server, or set check.model to an embedded model") from exc
            except ollama.ResponseError as exc:
                raise RagError(f"Ollama answered the check with an error: {exc.error}") from exc
            first = (response.logprobs or [None])[0]
            if first is None:
                raise RagError(f"Ollama at {self.host} returned no log-probabilities", "log-probabilities need Ollama 0.12.11 or newer")
            options = {t.token: t.logprob for t in first.top_logprobs or []} | {first.token: first.logprob}
            shares.append(yes_share(options))
        return shares


class CachedChecker:
    """Any checker, asked only for what its cache has not seen (the model's sha256 and the prompt key each answer)."""

    def __init__(self, checker: Checker, cache: CheckCache) -> None:
        self.checker, self.cache = checker, cache
        self.name, self.where, self.key = checker.name, checker.where, checker.key
        self.asked = 0  # checks that ran the model (the rest came from the cache)

    def warm(self) -> None:
        self.checker.warm()

    def p_yes(self, items: list[CheckItem]) -> list[float]:
        keys = [self.cache.key(self.key, messages(item)) for item in items]
        missing = [k for k, key in enumerate(keys) if self.cache.get(key) is None]
        if missing:
            # same-sentence candidates next to each other: each shares the one before it's prefix
            missing.sort(key=lambda k: (items[k].sentence, items[k].question))
            answers = self.checker.p_yes([items[k] for k in missing])
            self.asked += len(missing)
            self.cache.put({keys[k]: p for k, p in zip(missing, answers, strict=True)})
        return [float(self.cache.get(key)) for key in keys]


def load_checker(settings) -> CachedChecker:
    """The configured checking model, cached; `RagError` saying why when it cannot check (off, not installed)."""
    from pathlib import Path

    from rag.answer.models import cache as check_cache

    check = settings.check
    if not check.model:
        raise RagError("no checking model configured (check.model = '')")
    folder = Path(check.cache).expanduser() if check.cache else check_cache.default_folder()
    if check.model == "ollama":
        checker: Checker = OllamaChecker(settings.llm.ollama_host, settings.llm.ollama_model, settings.llm.timeout_s)
    else:
        import importlib.util

        from rag.answer.models.registry import resolve

        if importlib.util.find_spec("llama_cpp") is None:
            raise RagError("llama-cpp-python is not installed", 'install the embedded extra: CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --no-cache-dir -e ".[embedded]"')
        model = resolve(check.model)
        checker = LlamaCppChecker(str(model.path), model.name, model.sha256, check.threads, check.n_ctx)
    return CachedChecker(checker, CheckCache(folder / f"{checker.key.replace(':', '_').replace('/', '_')[:64]}.jsonl"))
