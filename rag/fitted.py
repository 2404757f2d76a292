"""One loader for every fitted model the product ships: the reader's scorer (`rag.read.scorer`), the claim model
(`rag.read.claim`), the verifier (`rag.answer.verify`) and the page-top line model (`rag.ingest.lines`). Each is a JSON
file beside its module, written by its fitting script under `rag.evaluate`; each is read here the same way, and a
missing, unreadable or out-of-date one is a `NotFitted` naming the script that refits it (a user sees that sentence,
never a traceback).

Hand-written: a few lines of json and pathlib; no library in the stack loads a hand-fitted logistic model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rag.errors import RagError


class NotFitted(RagError):
    """A fitted model is missing, unreadable, or fitted on other features than this code computes."""

    def __init__(self, message: str, refit: str, missing: bool = False) -> None:
        super().__init__(message, f"fit it with python -m {refit}")
        self.refit = refit
        self.missing = missing  # no file at all (a model not fitted yet, e.g. for another checking model)


def read_fitted(path: Path, refit: str) -> dict:
    """The fitted model at ``path`` as its fitting script (``refit``, a module) wrote it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFitted(f"{path.name} has not been fitted", refit, missing=True) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotFitted(f"{path.name} could not be read ({exc})", refit) from exc
    if not isinstance(data, dict) or "features" not in data:
        raise NotFitted(f"{path.name} is not a fitted model", refit)
    return data


def same_features(data: dict, computed: Sequence[str], path: Path, refit: str, subset: bool = False) -> None:
    """Raise `NotFitted` unless the model in ``data`` was fitted on the features this code computes (``subset``: on
    some of them, the ones its fit kept)."""
    fitted = tuple(data["features"])
    if (set(fitted) <= set(computed)) if subset else fitted == tuple(computed):
        return
    raise NotFitted(f"{path.name} was fitted on other features than this version computes", refit)
