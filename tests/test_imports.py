"""`rag.imports.without` hides a heavy optional dependency from one import, in the thread doing it only."""

from __future__ import annotations

import importlib
import sys
import threading

import pytest

from rag.imports import without


@pytest.fixture
def probe(tmp_path, monkeypatch):
    """A module nothing has imported yet, on the path."""
    name = f"rag_probe_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_the_thread_inside_cannot_import_it(probe):
    with without(probe), pytest.raises(ImportError):
        importlib.import_module(probe)
    assert importlib.import_module(probe).VALUE == 42  # and afterwards it can


def test_another_thread_imports_it_while_one_thread_hides_it(probe):
    """A threaded server: one session loads the parser (torch hidden) while another imports torch for real. The
    other thread must get the module, not an ImportError from the first one's hiding."""
    inside, done = threading.Event(), threading.Event()
    got: list[object] = []

    def hide() -> None:
        with without(probe):
            inside.set()
            done.wait(10)

    hider = threading.Thread(target=hide)
    hider.start()
    inside.wait(10)
    try:
        got.append(importlib.import_module(probe).VALUE)
    except ImportError as exc:
        got.append(exc)
    finally:
        done.set()
        hider.join(10)
    assert got == [42]


def test_an_already_imported_module_is_left_alone():
    with without("json"):
        assert importlib.import_module("json") is sys.modules["json"]
