"""The models: the packaged GGUF registry, the reading model's yes/no check, and its cache."""
