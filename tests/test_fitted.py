"""Every fitted model ships beside its module and is read by one loader (`rag.fitted`): the shipped ones load, and a
missing, damaged or out-of-date one is a `NotFitted` that names its fitting script, never a traceback."""

from __future__ import annotations

import json

import pytest

from rag.answer.verify import VERIFY_FILE, VerifyModel
from rag.fitted import NotFitted, read_fitted
from rag.ingest.lines import MODEL_PATH, LineModel
from rag.read.claim import CLAIM_FILE, ClaimModel
from rag.read.scorer import MODEL_FILE, AnswerModel, load_model

SHIPPED = [
    (MODEL_FILE, "rag.evaluate.fit_reader"),
    (CLAIM_FILE, "rag.evaluate.fit_reader"),
    (VERIFY_FILE, "rag.evaluate.fit_verify"),
    (MODEL_PATH, "rag.evaluate.fit_lines"),
]


def test_the_shipped_models_load():
    assert load_model().threshold > 0
    assert ClaimModel.load() is not None and VerifyModel.load() is not None
    assert LineModel(read_fitted(MODEL_PATH, "rag.evaluate.fit_lines")).classes


@pytest.mark.parametrize(("path", "refit"), SHIPPED, ids=lambda v: getattr(v, "name", v))
def test_a_damaged_or_out_of_date_model_names_the_script_that_refits_it(tmp_path, path, refit):
    damaged = tmp_path / path.name
    damaged.write_text("{not json", encoding="utf-8")
    with pytest.raises(NotFitted, match="could not be read") as caught:
        read_fitted(damaged, refit)
    assert caught.value.hint == f"fit it with python -m {refit}" and not caught.value.missing
    stale = json.loads(path.read_text(encoding="utf-8")) | {"features": ["a_feature_this_version_does_not_compute"]}
    damaged.write_text(json.dumps(stale), encoding="utf-8")
    build = {MODEL_FILE: AnswerModel.from_dict, CLAIM_FILE: ClaimModel.from_dict, VERIFY_FILE: VerifyModel.from_dict, MODEL_PATH: LineModel}[path]
    with pytest.raises(NotFitted, match="fitted on other features"):
        build(read_fitted(damaged, refit))


def test_a_model_not_fitted_yet_is_none_where_the_answer_can_say_so_and_an_error_where_it_cannot(tmp_path):
    assert ClaimModel.load(tmp_path / "claim_model.json") is None and VerifyModel.load(tmp_path / "verify_model.json") is None
    with pytest.raises(NotFitted, match="has not been fitted") as caught:
        load_model.__wrapped__(tmp_path / "answer_model.json")
    assert caught.value.missing
    damaged = tmp_path / "verify_model.json"
    damaged.write_text("[]", encoding="utf-8")
    with pytest.raises(NotFitted, match="is not a fitted model"):
        VerifyModel.load(damaged)
