"""A torch-free sentence encoder for the query path: the BERT forward pass of a
sentence-transformers model (mean pooling, normalised) in numpy.

Why not ONNX, as issue 11 proposed: exporting needs torch *and* the `onnx`
package at ingest, and the TorchScript exporter of torch 2.13 with
transformers 5 produced outputs off by >1.0 from the model it traced. The
forward pass of a six-layer MiniLM is a few matrix products; written here over
the model's own safetensors weights and `tokenizer.json` it imports only
numpy and `tokenizers` (the weights memory-mapped, `load_weights`; no torch, no transformers), needs no
export step or cache, and matches sentence-transformers to a cosine of 0.99999 (exact but for the tanh form of GELU)
(tests/test_encoder.py). Hand-written because no library in the stack
runs a BERT without torch or an exported graph.

Only BERT-architecture models with mean pooling qualify (`supports`); others
keep the sentence-transformers path.
"""

from __future__ import annotations

import json
import math
import mmap
from functools import lru_cache
from pathlib import Path

import numpy as np


def supports(model_dir: str | Path) -> bool:
    """A local BERT model with mean pooling, safetensors weights and a fast tokenizer."""
    root = Path(model_dir)
    try:
        config = json.loads((root / "config.json").read_text())
        pooling = json.loads((root / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return False
    return (
        config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and pooling.get("pooling_mode_mean_tokens") is True
        and not any(pooling.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens"))
        and (root / "model.safetensors").exists()
        and (root / "tokenizer.json").exists()
    )


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU by its tanh form, in place: numpy has no erf (scipy's would pull scipy onto the query path), and the
    tanh form differs from BERT's erf GELU by < 1e-3 per unit, which moves sentence vectors by < 1e-4 in cosine."""
    inner = x * x
    inner *= 0.044715 * x
    inner += x
    inner *= math.sqrt(2.0 / math.pi)
    np.tanh(inner, out=inner)
    inner += 1.0
    inner *= x
    inner *= 0.5
    return inner


_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8}


def load_weights(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file as read-only numpy views of the file, memory-mapped: nothing is read until
    it is touched (the 47 MB word-embedding table of a MiniLM is only ever read at the rows of the tokens a question
    uses). Written by hand: safetensors' numpy API copies every tensor into memory. Falls back to that API for a
    dtype numpy lacks (bfloat16)."""
    with open(path, "rb") as file:
        mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    size = int.from_bytes(mapped[:8], "little")
    header = json.loads(mapped[8 : 8 + size])
    header.pop("__metadata__", None)
    if any(entry["dtype"] not in _DTYPES for entry in header.values()):
        from safetensors.numpy import load_file

        return load_file(str(path))
    weights = {}
    for name, entry in header.items():
        dtype = np.dtype(_DTYPES[entry["dtype"]])
        begin, end = entry["data_offsets"]
        weights[name] = np.frombuffer(mapped, dtype=dtype, count=(end - begin) // dtype.itemsize, offset=8 + size + begin).reshape(entry["shape"])
    return weights


# Padded tokens per forward pass. Measured on 2 cores: the ~40 evidence sentences of a question (~30 tokens each)
# 0.31 s in batches of 8 vs 0.45 s in batches of 32; the ~60 short texts of the reader's label affinities want one
# batch, not eight. A token budget gives both.
BATCH_TOKENS = 256


class LightEncoder:
    """Encodes texts to unit vectors, as `SentenceTransformer.encode(normalize_embeddings=True)` would."""

    def __init__(self, model_dir: str | Path, max_length: int | None = None) -> None:
        from tokenizers import Tokenizer

        root = Path(model_dir)
        config = json.loads((root / "config.json").read_text())
        st_config = root / "sentence_bert_config.json"
        seq = json.loads(st_config.read_text()).get("max_seq_length") if st_config.exists() else None
        self.max_length = int(max_length or seq or config.get("max_position_embeddings", 512))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.w = {}
        for key, value in load_weights(root / "model.safetensors").items():
            key = key.removeprefix("bert.")
            value = value.astype(np.float32, copy=False)
            if key.endswith(".weight") and value.ndim == 2 and not key.startswith("embeddings."):
                # a contiguous (in, out) copy: 2 ms faster per query than multiplying by the mapped matrix's .T view
                # (8.5 → 6.6 ms on 2 cores), for 40 ms once at load; only the embedding table stays mapped
                self.w[f"{key}.T"] = np.ascontiguousarray(value.T)
            else:
                self.w[key] = value
        self.tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)))
        self.dimension = int(config["hidden_size"])

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        # one 2-D GEMM over all tokens: numpy runs a 3-D @ 2-D product as many small ones
        weight = self.w[f"{name}.weight.T"]
        return (x.reshape(-1, x.shape[-1]) @ weight).reshape(*x.shape[:-1], weight.shape[1]) + self.w[f"{name}.bias"]

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self.w[f"{name}.LayerNorm.weight"], self.w[f"{name}.LayerNorm.bias"], self.eps)

    def _forward(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        w = self.w
        batch, length = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length][None] + w["embeddings.token_type_embeddings.weight"][types]
        x = self._norm(x, "embeddings")
        head = self.dimension // self.heads
        blocked = (1.0 - mask[:, None, None, :].astype(np.float32)) * np.float32(-1e9)
        for i in range(self.layers):
            p = f"encoder.layer.{i}"

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(batch, length, self.heads, head).transpose(0, 2, 1, 3)

            q, k, v = (split(self._linear(x, f"{p}.attention.self.{n}")) for n in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(head)) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dimension)
            x = self._norm(x + self._linear(context, f"{p}.attention.output.dense"), f"{p}.attention.output")
            inner = _gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = self._norm(x + self._linear(inner, f"{p}.output.dense"), f"{p}.output")
        return x

    def encode(self, texts: list[str], batch_tokens: int = BATCH_TOKENS) -> np.ndarray:
        """Unit vectors, mean-pooled. Texts go in length order, in batches of at most ``batch_tokens`` padded tokens
        (at least one text each): little padding, and arrays that stay in cache."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(texts)  # right-padded to the longest: each batch is cut to its own
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        lengths = mask.sum(1)
        order = [int(i) for i in np.argsort(lengths, kind="stable")]
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end + 1 - start) * lengths[order[end]] <= batch_tokens:
                end += 1
            chunk, width = order[start:end], int(lengths[order[end - 1]])
            hidden = self._forward(ids[chunk, :width], mask[chunk, :width], types[chunk, :width])
            summed = (hidden * mask[chunk, :width, None]).sum(1)
            pooled = summed / np.maximum(mask[chunk, :width].sum(1, keepdims=True), 1)
            out[chunk] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            start = end
        return out


@lru_cache(maxsize=2)
def load_light_encoder(model_dir: str) -> LightEncoder:
    return LightEncoder(model_dir)


class QueryEmbedding:
    """The encoder with the methods the answer path calls on an embedding (llama-index's names), without llama-index:
    the question path imports no llama-index module (issue 19)."""

    def __init__(self, model_dir: str) -> None:
        self.model_name = model_dir
        self.encoder = load_light_encoder(model_dir)

    def vocabulary(self) -> dict[str, int]:
        return self.encoder.tokenizer.get_vocab()

    def get_query_embedding(self, query: str) -> list[float]:
        return self.encoder.encode([query])[0].tolist()

    def get_text_embedding_batch(self, texts: list[str], **_: object) -> list[list[float]]:
        return self.encoder.encode(texts).tolist()
