"""The reader: a question's parse, candidate answers from the passages' parse, a fitted scorer, the wording."""
