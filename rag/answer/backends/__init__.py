"""Answer generators behind one small protocol (see rag.answer.backends.registry for the factory)."""
