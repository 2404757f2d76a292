"""The one exception type users see: a sentence saying what went wrong and a hint."""

from __future__ import annotations


class RagError(Exception):
    """An error meant for the user; surfaces print it without a traceback."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class Unavailable(RagError):
    """A service an answer needs (the Chroma server, the Ollama server, an installed model) is not there now.

    Its own type so the JSON API can tell the caller "try later" (503) apart from "your request is wrong" (400).
    """
