"""Turn raw article Documents into clean, sentence-aware chunks that know their raw span.

A llama-index `TransformComponent`, so the ingestion pipeline (and its docstore
dedup on the RAW text hash) drives it. Splitting is llama-index's
`SentenceSplitter`, counting the embedding model's own tokens so no chunk is
truncated by the model's window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, TextNode, TransformComponent
from pydantic import PrivateAttr

from rag.errors import RagError
from rag.ingest.clean import CleanText, clean_article
from rag.ingest.metadata import find_title, front_matter
from rag.text.offsets import OffsetMap
from rag.text.parse import Annotation, annotate
from rag.text.sentences import dumps_spans, sentence_spans

# Metadata every chunk carries. None of it is embedded or shown to the model:
# the chunk text alone is, so chunks stay inside the embedding window.
# "annotation" is the parser's reading of the chunk (rag.text.parse), made here so no question parses a passage.
# "sentences" are its sentence spans (rag.text.sentences), split here so answering a question needs no sentence splitter.
CHUNK_KEYS = ("doc_id", "title", "outlet", "date", "folder", "sha", "start", "end", "offsets", "annotation", "sentences")
CHUNKER_VERSION = 5  # bump when chunk text, its annotation or what is embedded changes: stores re-index on the next ingest


class ArticleChunker(TransformComponent):
    """Clean each raw Document, split it, and record each chunk's raw offsets."""

    _splitter: SentenceSplitter = PrivateAttr()
    _vocabulary: set[str] = PrivateAttr()
    _clean: bool = PrivateAttr()
    _templates: dict[str, frozenset[str]] = PrivateAttr()

    def __init__(
        self,
        chunk_size: int,
        chunk_overlap: int,
        count_tokens: Callable[[str], list],
        vocabulary: set[str],
        clean: bool = True,
        templates: dict[str, frozenset[str]] | None = None,
        parser: str = "",
    ) -> None:
        """``templates``: outlet → the lines it repeats across its articles (`clean.repeated_lines`); ``parser``: the
        spaCy model that annotates each article ("" for none)."""
        super().__init__()
        self._splitter = SentenceSplitter(
            chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            tokenizer=count_tokens,
            paragraph_separator="\n\n",
            id_func=lambda i, doc: f"{doc.id_}#{i:04d}",
        )
        self._vocabulary = vocabulary
        self._clean = clean
        self._templates = templates or {}
        self._parser = parser

    def __call__(self, nodes: Sequence[BaseNode], **kwargs: Any) -> list[BaseNode]:
        cleaned = [self.clean(document) for document in nodes]
        annotations = annotate([c.text for c in cleaned], self._parser) if self._parser else (None for _ in cleaned)
        chunks: list[BaseNode] = []
        for document, clean, annotation in zip(nodes, cleaned, annotations, strict=True):
            chunks.extend(self.split(document, clean, annotation))
        # The embedding step after us cuts the list into batches of embed_batch_size
        # and pads each batch to its longest text; in length order the padding
        # (wasted compute) is minimal. This is what SentenceTransformer.encode does
        # when given the whole list; llama-index hands it one batch at a time.
        chunks.sort(key=lambda node: len(node.get_content()))
        return chunks

    def clean(self, document: BaseNode) -> CleanText:
        raw = document.get_content()
        template = self._templates.get(outlet_key(document.metadata), frozenset())
        return clean_article(raw, self._vocabulary, template, front_matter(raw)[1]) if self._clean else CleanText(raw, OffsetMap())

    def chunk(self, document: BaseNode) -> list[TextNode]:
        """One article's chunks (annotated when a parser is set): ``__call__`` does many at once, parsing in batches."""
        clean = self.clean(document)
        annotation = next(annotate([clean.text], self._parser)) if self._parser else None
        return self.split(document, clean, annotation)

    def split(self, document: BaseNode, clean: CleanText, annotation: Annotation | None) -> list[TextNode]:
        metadata = dict(document.metadata) | {"title": document.metadata.get("title") or find_title(clean.text)}
        clean_doc = Document(
            id_=document.id_,
            text=clean.text,
            metadata=metadata,
            excluded_embed_metadata_keys=list(CHUNK_KEYS),
            excluded_llm_metadata_keys=list(CHUNK_KEYS),
        )
        nodes = self._splitter.get_nodes_from_documents([clean_doc])
        search_from = 0
        for node in nodes:
            start = node.start_char_idx
            if start is None:  # splitter could not locate the chunk: find it ourselves
                start = clean.text.find(node.text, search_from)
            if start < 0 or clean.text[start : start + len(node.text)] != node.text:
                # a citation span from a guessed offset would point at the wrong words: stop, naming the article
                raise RagError(f"{document.id_}: a chunk was not found in the cleaned text", "ingest it with chunk.clean = false, and report the file")
            end = start + len(node.text)
            search_from = start + 1
            raw_start, raw_end = clean.offsets.span_to_raw(start, end)
            node.metadata.update(start=raw_start, end=raw_end, offsets=clean.offsets.slice(start, end).dumps(), sentences=dumps_spans(sentence_spans(node.text)))
            if annotation is not None:
                node.metadata["annotation"] = annotation.within(start, end).dumps()
            node.excluded_embed_metadata_keys = list(CHUNK_KEYS)
            node.excluded_llm_metadata_keys = list(CHUNK_KEYS)
        return nodes


def outlet_key(metadata: dict) -> str:
    """Which page template an article shares: its outlet, or its folder when the outlet is unknown."""
    return str(metadata.get("outlet") or metadata.get("folder") or "")
