"""Turn an `Answer` into what people read: its parts as the terminal prints them, the same parts as one Markdown
message for chat clients (`/v1`), and for the web chat escaped markdown, HTML cards for its sources, a status line.

Article and model text is untrusted: every piece of it is escaped here, the
one place that builds markup, so an article holding `<script>`, raw HTML or
`![x](http://…)` shows as text and never runs or loads anything.
Hand-written: Gradio renders what it is given; deciding what is safe is ours.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from rag.schema import Answer, Citation, Outcome
from rag.surface import answered_by

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&=:])")


def escape_markdown(text: str) -> str:
    """Backslash-escape every markdown/HTML-significant character."""
    return _MD_SPECIAL.sub(r"\\\1", text)


OUTCOME_MARK = {Outcome.ANSWER: "✔", Outcome.EVIDENCE: "?", Outcome.NOT_FOUND: "✘"}
LIKELY_MARK = "≈"
ROLE_NOTE = {"relevant": " — relevant passage, no answer claimed"}
# what could turn a quoted line into a link, an image, HTML or code: "](", "![", a "[" or "#"/">" starting a line, "<", "`"
SOURCES_HEADING = "**Sources**"  # in a message, between the answer and its numbered sources
_MD_UNSAFE = re.compile(r"\]\(|!\[|^\s*[\[#>]|[<`]", re.MULTILINE)


def answer_parts(answer: Answer) -> list[tuple[str, str]]:
    """The answer as the terminal prints it, in order, each part with its kind: ``outcome`` (mark and label),
    ``answer``, then per citation ``source`` ("[1] Title (Outlet, date)"), ``quote``, ``where`` (doc_id:start-end) and
    ``also``, then ``unsupported`` sentences. One reading of an Answer for the CLI and the chat endpoint."""
    mark = LIKELY_MARK if answer.likely_answer else OUTCOME_MARK.get(answer.outcome, "")
    parts = [("outcome", f"{mark} {answer.outcome_label()}"), ("answer", answer.answer)]
    for citation in answer.citations:
        where = ", ".join(x for x in (citation.outlet, citation.date) if x)
        parts.append(("source", f"[{citation.n}] {citation.title or citation.doc_id}" + (f" ({where})" if where else "") + ROLE_NOTE.get(citation.role, "")))
        parts += [("quote", citation.quote), ("where", f"{citation.doc_id}:{citation.start}-{citation.end}")]
        if others := [s for s in citation.sources if s.doc_id != citation.doc_id]:
            parts.append(("also", "also reported by: " + "; ".join(f"{s.outlet or s.doc_id} ({s.doc_id}:{s.start}-{s.end})" for s in others)))
    return parts + [("unsupported", sentence) for sentence in answer.unsupported]


def answer_message(answer: Answer) -> str:
    """The parts as one Markdown message, for chat clients that show only a message's text: the outcome in bold, the
    answer, then the numbered sources, each with its quote and exact location. Article text is escaped where it could
    become a link, an image or markup; the location is code."""
    inline = lambda text: _MD_UNSAFE.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)  # noqa: E731
    lines: list[str] = []
    for kind, text in answer_parts(answer):
        if kind == "outcome":
            lines += [f"**{inline(text)}**", ""]
        elif kind == "answer":
            lines += ["  \n".join(inline(line) for line in text.split("\n")), ""]
        elif kind == "source":
            n, _, rest = text.partition(" ")
            lines += ([SOURCES_HEADING, ""] if SOURCES_HEADING not in lines else []) + [f"**{n}** {inline(rest)}"]
        elif kind == "quote":
            lines.append(f"> “{inline(text)}”  ")
        elif kind == "where":
            lines += [f"> `{text}`" if "`" not in text else f"> {inline(text)}", ""]
        elif kind == "also":
            lines += [f"*{inline(text)}*", ""]
        else:
            lines.append(f"⚠️ *unsupported by the sources:* {inline(text)}")
    return "\n".join(lines).strip() + "\n"


def answer_markdown(answer: Answer | None, partial: str = "") -> str:
    """The chat bubble: streamed text while it arrives, then the checked answer."""
    if answer is None:
        return escape_markdown(partial) + " …"
    if answer.outcome == Outcome.NOT_FOUND:
        return f"🚫 **Not in the articles.** {escape_markdown(answer.answer)}"
    # the outcome first, then the short answer on its own line, then the evidence
    if answer.outcome == Outcome.ANSWER:
        badge = f"✅ **Answer** · confidence {answer.confidence:.0%}"
    elif answer.likely_answer:
        badge = f"🤔 **Likely** · {answer.likely_confidence:.0%}, not confirmed enough to claim"
    else:
        badge = "🔎 **No short answer claimed**"
    text = "  \n".join(escape_markdown(line) for line in answer.answer.split("\n"))
    for sentence in answer.unsupported:
        text = text.replace(escape_markdown(sentence), f"~~{escape_markdown(sentence)}~~ ⚠️ *unsupported by the sources*")
    return f"{badge}  \n{text}"


def status_line(answer: Answer) -> str:
    """What answered, in words, how long it took, and what was claimed."""
    seconds = answer.timings_ms.get("total_ms", 0) / 1000
    return f"Answered by **{escape_markdown(answered_by(answer))}** in {seconds:.1f} s · {escape_markdown(answer.outcome_label())} · {len(answer.citations)} citation(s)"


def _card(citation: Citation, context: tuple[str, str, str]) -> str:
    before, quote, after = context if context[1] else ("", citation.quote, "")
    e = html.escape
    others = [s for s in citation.sources if s.doc_id != citation.doc_id]
    also = ""
    if others:
        names = ", ".join(e(f"{s.outlet or s.doc_id}" + (f" ({s.date})" if s.date else "")) for s in others)
        also = f'<div class="rag-also">also reported by {names}</div>'
    meta = " · ".join(e(x) for x in (citation.outlet, citation.date) if x)
    return (
        f'<details class="rag-card" data-n="{citation.n}"><summary><span class="rag-n">[{citation.n}]</span> '
        f'<span class="rag-title">{e(citation.title or citation.doc_id)}</span> <span class="rag-meta">{meta}</span>'
        f'<div class="rag-quote">“{e(citation.quote)}”</div></summary>'
        f'<div class="rag-passage">…{e(before)}<mark>{e(quote)}</mark>{e(after)}…</div>'
        f'<div class="rag-loc">{e(citation.doc_id)}:{citation.start}-{citation.end}</div>{also}</details>'
    )


def sources_html(answer: Answer | None, context: Callable[[Citation], tuple[str, str, str]]) -> str:
    """One expandable card per citation; the cited sentence highlighted inside its passage."""
    if answer is None:
        return '<div class="rag-sources rag-empty">Sources appear here.</div>'
    if answer.outcome == Outcome.NOT_FOUND:  # nothing is cited: no passage is about the question
        return '<div class="rag-sources rag-refused">Nothing in the articles is about this question.</div>'
    cards = "".join(_card(c, context(c)) for c in answer.citations)
    if answer.outcome == Outcome.EVIDENCE:
        note = '<div class="rag-meta rag-unclaimed">No short answer is claimed: these are the most relevant passages. Read them to judge.</div>'
        return f'<div class="rag-sources rag-relevant">{note}{cards}</div>'
    return f'<div class="rag-sources">{cards or "No citations."}</div>'


CSS = """
.rag-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin: 6px 0; }
.rag-card summary { cursor: pointer; }
.rag-n { font-weight: 700; }
.rag-title { font-weight: 600; }
.rag-meta, .rag-loc, .rag-also { color: var(--body-text-color-subdued); font-size: 0.9em; }
.rag-quote { font-style: italic; margin-top: 4px; }
.rag-passage { white-space: pre-wrap; margin: 8px 0; }
.rag-passage mark { background: #ffe58a; color: inherit; }
.rag-refused { color: #a94442; font-weight: 600; }
"""
