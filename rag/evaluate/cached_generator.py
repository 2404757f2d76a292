"""The embedded generator with what it said kept, for the eval: a question's answer is generated once.

At temperature 0 the same model on the same prompt writes the same answer, so a rerun of `rag eval` (another gold
file's scratch store aside) reads it back instead of spending ~6 s of CPU on it. Keyed by the model file's sha256, the
messages and every option that changes the text; stored beside the stand-in's answers (`generation_cache`), never in
the repository. Only for the eval: the product always asks the model.

Hand-written: llama-cpp-python has no cache of whole completions (its `LlamaCache` keeps evaluated prefixes only).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rag.answer.backends.llamacpp import LlamaCppGenerator
from rag.answer.prompt import STOP
from rag.config import LLMSettings
from rag.evaluate.ollama_standin import Generations


class CachedLlamaCpp(LlamaCppGenerator):
    """`LlamaCppGenerator`, its finished answers read from and written to ``cache`` (a folder)."""

    def __init__(self, settings: LLMSettings, cache: Path | None = None) -> None:
        super().__init__(settings)
        self.said = Generations(self.model, self.sha256, cache)

    @property
    def asked(self) -> int:
        """Answers generated, not read back, since it was made."""
        return self.said.asked

    def _stream(self, messages: list[dict[str, str]]) -> Iterator[str]:
        s = self.settings
        if s.temperature != 0:  # sampled: each answer is its own, nothing to read back
            yield from super()._stream(messages)
            return
        key = self.said.key(messages, {"embedded": True, "max_tokens": s.max_tokens, "temperature": s.temperature, "num_ctx": s.num_ctx, "stop": list(STOP)})
        cached = self.said.get(key)
        if cached is not None and cached["reason"] == "stop":
            yield cached["text"]
            return
        said = []
        for token in super()._stream(messages):  # a cut answer raises here, and is not kept
            said.append(token)
            yield token
        self.said.put(key, "".join(said), "stop")
