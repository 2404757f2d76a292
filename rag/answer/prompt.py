"""The prompt every LLM backend sends: numbered passages, the question, and a token budget.

One contract for every generating model: one line, "Answer: <the short answer alone> [n]", names, figures and dates
copied from the passages, "Answer: none" when they don't say. Generation stops at the line's end (`STOP`): the
sentence behind the answer is quoted from the passage by the judge (exact, cited), never re-typed by the model —
on 2 cores each generated token costs ~70 ms, and a re-typed sentence is a paraphrase.

The budget keeps prompt + answer inside the model's context window by
leaving out the lowest-ranked passages, never by letting the server cut the
prompt silently (Ollama truncates from the front, which would drop the
instructions). Passages left out are not shown, so they can't be cited.
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.errors import RagError
from rag.schema import Passage

SYSTEM = (
    "You answer questions about news articles using only the numbered passages. Reply with one line in this form:\n"
    "Answer: <the short answer alone, in as few words as the question needs (a name, a number with its unit, a date, "
    "a place, or every item of a list), copied exactly from the passages> [passage number]\n"
    "If the passages do not say, reply: Answer: none"
)
STOP = ["\n"]  # the answer is one line
CHARS_PER_TOKEN = 3  # conservative for English; real tokenizers average nearer 4


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + 1


def passage_block(n: int, passage: Passage) -> str:
    label = ", ".join(x for x in (passage.outlet, passage.date) if x)
    header = f"[{n}] {passage.title}" + (f" ({label})" if label else "")
    return f"{header}\n{passage.text.strip()}"


@dataclass
class Prompt:
    messages: list[dict[str, str]]
    shown: list[Passage]


def build_prompt(question: str, passages: list[Passage], num_ctx: int, max_answer_tokens: int, history: list[tuple[str, str]] | None = None) -> Prompt:
    """Messages for a chat model, with as many passages as fit the budget."""
    history_messages: list[dict[str, str]] = []
    for user, assistant in (history or [])[-3:]:
        history_messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    fixed = estimate_tokens(SYSTEM) + estimate_tokens(question) + sum(estimate_tokens(m["content"]) for m in history_messages) + 64
    budget = num_ctx - max_answer_tokens - fixed
    shown: list[Passage] = []
    blocks: list[str] = []
    for passage in passages:
        block = passage_block(len(shown) + 1, passage)
        if estimate_tokens(block) > budget:
            break
        budget -= estimate_tokens(block)
        shown.append(passage)
        blocks.append(block)
    if passages and not shown:
        raise RagError(f"llm.num_ctx = {num_ctx} leaves no room for even one passage", "raise llm.num_ctx or lower llm.max_tokens")
    user = "Passages:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}"
    messages = [{"role": "system", "content": SYSTEM}, *history_messages, {"role": "user", "content": user}]
    return Prompt(messages, shown)
