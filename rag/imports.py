"""Import a library without the heavy optional dependencies it would pull in: the question path stays lean.

nltk imports scikit-learn and scipy.stats (~1.5 s) for classifiers Punkt never
uses; spaCy's thinc imports torch (~1 s) when it is installed, for models this
project's parser does not use. Both import them under `try/except ImportError`,
so while the library loads, an import of a hidden name fails in *the thread
loading it*: a finder first on `sys.meta_path` refuses it there and nowhere
else, so another thread of a server importing torch for real at that moment
gets it (editing `sys.modules` for the whole process, as this did first, made
that thread's import fail). A module already imported (torch in an ingest) is
left as it is: finders are asked only for modules not yet in `sys.modules`.
Hand-written: importlib has no per-thread way to hide a module.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.abc import MetaPathFinder
from types import ModuleType


class _Hider(MetaPathFinder):
    """Refuses the names each thread is hiding, in that thread only."""

    def __init__(self) -> None:
        self.local = threading.local()

    def hidden(self) -> list[tuple[str, ...]]:
        if not hasattr(self.local, "names"):
            self.local.names = []
        return self.local.names

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> None:
        for names in self.hidden():
            if any(fullname == name or fullname.startswith(name + ".") for name in names):
                raise ModuleNotFoundError(f"import of {fullname} hidden while a lean import loads (rag.imports)", name=fullname)
        return None


_HIDER = _Hider()
sys.meta_path.insert(0, _HIDER)


@contextmanager
def without(*names: str) -> Iterator[None]:
    hidden = _HIDER.hidden()
    hidden.append(names)
    try:
        yield
    finally:
        hidden.remove(names)
