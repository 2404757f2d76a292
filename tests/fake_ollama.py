"""The Ollama stand-in the tests start (it lives in the package: `rag eval --standin` serves real models with it)."""

from rag.evaluate.ollama_standin import FakeOllama, GGUFReply, quoting_model

__all__ = ["FakeOllama", "GGUFReply", "quoting_model"]
