"""The eval harness: score the Assistant (and a llama-index-defaults baseline) on a gold Q&A file."""
