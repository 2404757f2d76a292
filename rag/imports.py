"""Import a library without the heavy optional dependencies it would pull in: the question path stays lean.

nltk imports scikit-learn and scipy.stats (~1.5 s) for classifiers Punkt never
uses; spaCy's thinc imports torch (~1 s) when it is installed, for models this
project's parser does not use. Both import them under `try/except ImportError`,
so a None entry in sys.modules (which makes an import fail) hides them while
the library loads; they are restored at once. A module already imported (torch
in an ingest) is left as it is.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def without(*names: str) -> Iterator[None]:
    hidden = [name for name in names if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in hidden:
            del sys.modules[name]
