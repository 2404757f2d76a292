"""The reader: a question's parse, candidate answers from the passages' parse, the support scorer, a fitted scorer
and the claim model."""
