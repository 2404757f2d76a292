"""The embedded generator with what it said kept, for the eval: a question's answer is generated once.

At temperature 0 the same model on the same prompt writes the same answer, so a rerun of `rag eval` (another gold
file's scratch store aside) reads it back instead of spending ~6 s of CPU on it. Keyed by the model file's sha256, the
messages and every option that changes the text; stored beside the stand-in's answers (`generation_cache`), never in
the repository. Only for the eval: the product always asks the model.

Hand-written: llama-cpp-python has no cache of whole completions (its `LlamaCache` keeps evaluated prefixes only).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from rag.answer.backends.llamacpp import LlamaCppGenerator
from rag.answer.models.cache import CheckCache
from rag.answer.prompt import STOP
from rag.config import LLMSettings
from rag.evaluate.ollama_standin import generation_cache


class CachedLlamaCpp(LlamaCppGenerator):
    """`LlamaCppGenerator`, its finished answers read from and written to ``cache`` (a folder)."""

    def __init__(self, settings: LLMSettings, cache: Path | None = None) -> None:
        super().__init__(settings)
        self.cache = CheckCache((cache or generation_cache()) / f"{self.model}.jsonl")
        self.asked = 0  # answers generated, not read back, since it was made

    def key(self, messages: list[dict[str, str]]) -> str:
        s = self.settings
        options = {"embedded": True, "max_tokens": s.max_tokens, "temperature": s.temperature, "num_ctx": s.num_ctx, "stop": list(STOP)}
        return self.cache.key(self.sha256, [*messages, {"role": "options", "content": json.dumps(options, sort_keys=True)}])

    def _stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        if self.settings.temperature != 0:  # sampled: each answer is its own, nothing to read back
            yield from super()._stream(messages)
            return
        key = self.key(messages)
        cached = self.cache.get(key)
        if isinstance(cached, dict) and cached.get("reason") == "stop":
            yield cached["text"]
            return
        said = []
        for token in super()._stream(messages):  # a cut answer raises here, and is not kept
            said.append(token)
            yield token
        self.cache.put({key: {"text": "".join(said), "reason": "stop"}})
        self.asked += 1
