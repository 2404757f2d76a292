"""Answer generators behind one small protocol (see rag.generate for the factory)."""
