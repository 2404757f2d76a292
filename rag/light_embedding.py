"""The torch-free encoder (`light_encoder`) as a llama-index embedding, so the query path's
`VectorStoreIndex` and the support scorer use it like any other embed model."""

from __future__ import annotations

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from rag.light_encoder import LightEncoder, load_light_encoder


class LightEmbedding(BaseEmbedding):
    _encoder: LightEncoder = PrivateAttr()

    def __init__(self, model_dir: str, batch_size: int = 32) -> None:
        super().__init__(model_name=model_dir, embed_batch_size=batch_size)
        self._encoder = load_light_encoder(model_dir)

    def vocabulary(self) -> dict[str, int]:
        return self._encoder.tokenizer.get_vocab()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._encoder.encode([query])[0].tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._encoder.encode([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self._encoder.encode(texts, batch_size=self.embed_batch_size).tolist()
