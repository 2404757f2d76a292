"""The question's parser, loaded in a second process while this one opens the store.

A cold `rag ask` spends about 0.9 s importing spaCy and loading its pipeline
(bench/RESULTS.md), and nothing before the reader needs the parse: opening
the store, embedding the question and retrieving take about as long again on
their own. So a one-shot command forks a child at its start that loads the
parser at once, waits for the question's text (known only after the
collection's vocabulary has normalised it), parses it and hands the
`Question` back, plain data, through a pipe (with the NER labels'
descriptions, the one other thing the reader asks spaCy for); with two
cores the two halves overlap. A long-lived process (a server, the eval, `rag chat`) loads the
parser once in-process instead and never starts one.

Written by hand: neither spaCy nor the standard library offers a "load this
model elsewhere and ask it later" in a form that starts faster than the
model itself (multiprocessing's pools import the parent's main module again).
Any failure in the child (no model installed, a crash) makes `take` return
None and the caller parses in-process, where the usual error is raised.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import signal
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported by the child only: the parent forks before numpy starts its threads
    from rag.read.question import Question


@dataclass
class _Child:
    model: str
    pid: int
    to_child: int  # write end: the question's text, then closed
    from_child: int  # read end: the pickled Question, or nothing when the child failed


_child: _Child | None = None


def usable() -> bool:
    """Fork only a fresh single-threaded process (a fork copies one thread: a lock another holds stays held in the
    child), with a spare core, and only when the parser is not loaded here already."""
    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2 and threading.active_count() == 1 and "spacy" not in sys.modules


def start(model: str) -> bool:
    """Fork the child that loads ``model`` and waits for a question; False when this process cannot fork safely."""
    global _child
    if _child is not None or not usable():
        return False
    question_r, question_w = os.pipe()
    answer_r, answer_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(question_w)
        os.close(answer_r)
        _serve_one(model, question_r, answer_w)
    os.close(question_r)
    os.close(answer_w)
    _child = _Child(model, pid, question_w, answer_r)
    return True


def _serve_one(model: str, question_r: int, answer_w: int) -> None:
    code = 0
    try:
        silent = os.open(os.devnull, os.O_RDWR)  # the child says nothing: its failure is the parent's to report
        for fd in (0, 1, 2):
            os.dup2(silent, fd)
        from rag.read.features import label_descriptions
        from rag.read.question import analyse
        from rag.text.parse import load_parser

        nlp = load_parser(model)
        with os.fdopen(question_r, "rb") as pipe:
            text = pipe.read().decode("utf-8")
        if text:
            with os.fdopen(answer_w, "wb") as pipe:
                pipe.write(pickle.dumps((analyse(text, nlp), label_descriptions())))
    except BaseException:  # the parent parses in-process and reports the error there
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flushing the parent's copied buffers


def take(text: str, model: str) -> Question | None:
    """The child's analysis of ``text`` (waiting for it), or None when no child loads ``model`` or it failed."""
    global _child
    child, _child = _child, None
    if child is None:
        return None
    if child.model != model:
        _close(child)
        return None
    try:
        with open(child.to_child, "wb", closefd=True) as pipe:
            pipe.write(text.encode("utf-8"))
    except OSError:  # the child is gone (it could not load the model)
        pass
    try:
        with open(child.from_child, "rb", closefd=True) as pipe:
            data = pipe.read()
        question, descriptions = pickle.loads(data) if data else (None, None)
    except (OSError, pickle.UnpicklingError, EOFError, TypeError, ValueError):
        question, descriptions = None, None
    _reap(child.pid)
    from rag.read.features import remember_descriptions
    from rag.read.question import Question

    if not isinstance(question, Question) or not isinstance(descriptions, dict):
        return None
    remember_descriptions(descriptions)  # what the features would otherwise import spaCy for
    return question


def _close(child: _Child) -> None:
    for fd in (child.to_child, child.from_child):
        with contextlib.suppress(OSError):
            os.close(fd)
    with contextlib.suppress(OSError):
        os.kill(child.pid, signal.SIGKILL)
    _reap(child.pid)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _discard() -> None:
    """At exit: a child never asked (the command failed, or a server answered) is stopped and reaped."""
    global _child
    child, _child = _child, None
    if child is not None:
        _close(child)


atexit.register(_discard)
