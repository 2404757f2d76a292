"""Write results.json, report.md and PNG plots; format the summary table printed by `rag eval`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SUMMARY_KEYS = (
    "lead_accuracy", "confidently_wrong_rate", "claim_rate", "long_lead_rate", "must_include_accuracy", "refusal_accuracy", "false_refusal_rate",
    "citation_precision", "citation_precision_claims", "citation_recall", "answer_f1",
    "evidence_recall_at_1", "evidence_recall_at_3", "evidence_recall_at_5", "evidence_recall_at_10", "mrr", "ndcg_at_10", "source_recall_at_5",
    "citation_support_self", "perturbation_stability", "perturbation_kept_refusals", "perturbation_refused_both", "latency_ms_p50", "latency_ms_p95",
)  # fmt: skip


def _fmt(key: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if key.startswith("latency") or key.endswith("_both") else f"{value:.3f}"


def summary_table(results: dict[str, Any]) -> str:
    names = [n for n in ("system", "reader", "baseline") if n in results]
    lines = [f"| metric | {' | '.join(names)} |", "|---|" + "---|" * len(names)]
    for key in SUMMARY_KEYS:
        lines.append(f"| {key} | " + " | ".join(_fmt(key, results[n].get(key)) for n in names) + " |")
    return "\n".join(lines)


ABLATION_KEYS = (
    "lead_accuracy", "confidently_wrong_rate", "must_include_accuracy", "refusal_accuracy", "false_refusal_rate", "citation_precision", "evidence_recall_at_5", "mrr",
    "latency_ms_p50",
)  # fmt: skip


def ablation_table(results: dict[str, Any]) -> str:
    """One row per variant: the full system, then each component switched off."""
    rows = {"full system": results["system"]} | {name.replace("_", " "): r for name, r in results["ablations"].items()}
    lines = [f"| variant | {' | '.join(ABLATION_KEYS)} |", "|---|" + "---|" * len(ABLATION_KEYS)]
    lines += [f"| {name} | " + " | ".join(_fmt(k, r.get(k)) for k in ABLATION_KEYS) + " |" for name, r in rows.items()]
    return "\n".join(lines)


def model_loss_text(loss: dict[str, Any]) -> str:
    """The oracle's figures: what reached the user of a perfect model's answers, and each loss by cause."""
    lines = [f"model answers delivered (facts in the lead): {loss['answers_delivered']:.3f}", f"model refusals kept: {loss['refusals_kept']:.3f}"]
    lines += [f"  lost to {cause}: {len(ids)}" + (f" ({', '.join(ids)})" if ids else "") for cause, ids in loss["lost_by_cause"].items()]
    if loss["refusals_lost"]:
        lines.append(f"  refusals replaced by a claim: {', '.join(loss['refusals_lost'])}")
    return "\n".join(lines)


def lies_text(lies: dict[str, Any]) -> str:
    """The liar's figures: its wrong answers shown as claims, and what stopped the rest."""
    lines = [f"liar's wrong answers shown as claims: {lies['claimed_wrong_rate']:.3f}" + (f" ({', '.join(lies['claimed_wrong'])})" if lies["claimed_wrong"] else "")]
    lines += [f"  refused by a rule (figures, names, negation, slot): {lies['refused_by_rule']}"]
    lines += [f"  refused: the check confirms a rival more: {lies['refused_as_outranked']}", f"  refused by the check (below the threshold): {lies['refused_by_check']}"]
    lines.append(f"  never claimed (not found, declined): {lies['gated_or_declined']}")
    if lies["claimed_right_by_chance"]:
        lines.append(f"  swapped facts that happened to be right: {', '.join(lies['claimed_right_by_chance'])}")
    return "\n".join(lines)


def worst_questions(result: dict[str, Any], n: int = 8) -> list[dict[str, Any]]:
    """Answerable questions missed (refused, missing facts, evidence not retrieved) and unanswerables answered."""

    def badness(row: dict[str, Any]) -> float:
        """A confident wrong answer first, then facts missing from the answer, refusals and retrieval misses."""
        if not row["answerable"]:
            return 3.0 * row["confidently_wrong"]
        return 3.0 * row["confidently_wrong"] + (1 - row.get("must_include", 0)) + (1 - row.get("evidence_recall_at_5", 0)) + (row["outcome"] == "not_found")

    return [r for r in sorted(result["per_question"], key=badness, reverse=True) if badness(r) > 0][:n]


def printed(results: dict[str, Any]) -> str:
    """What `rag eval` prints: who checked, the summary table, then what the oracle, the liar and the ablations found."""
    parts = [f"checked by: {results['checked_by'] or 'no checking model'}", summary_table(results)]
    if "model_loss" in results:
        parts.append("\n" + model_loss_text(results["model_loss"]))
    if "lies" in results:
        parts.append("\n" + lies_text(results["lies"]))
    if "ablations" in results:
        parts.append("\n" + ablation_table(results))
    return "\n".join(parts)


def _gate_lines(results: dict[str, Any], thresholds: dict[str, float]) -> list[str]:
    if not thresholds:
        return []
    values = measured(results)
    lines = ["## CI gate (config.toml)", ""]
    lines += [
        f"- {k}: {values[k]:.3f} {'<=' if k.endswith('rate') else '>='} {v} → {'ok' if gate_ok(k, values[k], v) else 'FAIL'}"
        if k in values
        else f"- {k}: not measured in this run"
        for k, v in thresholds.items()
    ]
    return [*lines, ""]


def write_report(results: dict[str, Any], out: Path, thresholds: dict[str, float]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "results.json", out / "report.md"]
    written[0].write_text(json.dumps(results, indent=2, ensure_ascii=False))
    lines = ["# Eval report", "", f"Gold file: `{results['gold']}` ({results['questions']} questions); backend: {results['backend']}", "", summary_table(results), ""]
    lines += _gate_lines(results, thresholds)
    if "model_loss" in results:
        lines += ["## What the pipeline loses of the model's answers (oracle)", "", "```", model_loss_text(results["model_loss"]), "```", ""]
    if "lies" in results:
        lines += ["## What the verifier lets through of a plausible wrong model (liar)", "", "```", lies_text(results["lies"]), "```", ""]
    if "ablations" in results:
        lines += ["## Ablations: what each component is worth", "", ablation_table(results), ""]
    lines += ["## By question type (system)", "", "| type | n | claimed | confidently wrong | lead | must_include | recall@5 |", "|---|---|---|---|---|---|---|"]
    nan = float("nan")
    for kind, row in results["system"]["by_type"].items():
        lines.append(
            f"| {kind} | {row['questions']} | {row['claimed']:.2f} | {row['confidently_wrong']:.2f} | {row.get('lead', nan):.2f} | {row.get('must_include', nan):.2f}"
            f" | {row.get('evidence_recall_at_5', nan):.2f} |"
        )
    if "perturbation" in results:
        changed = results["perturbation"]["changed"]
        lines += ["", f"## Perturbation suite: {results['system']['perturbation_stability']:.3f} of the well-answered kept their result", ""]
        lines += [f"- {r['id']}: {r['question']!r}: {r['was']} → {r['result']}" for r in changed]
    lines += ["", "## Where it fails (system)", ""]
    for row in worst_questions(results["system"]):
        lines += [f"### {row['id']} ({row['type']}): {row['question']}", f"- answered ({row['outcome']}, confidence {row['confidence']:.2f}): {row['answer']!r}"]
        if row.get("retrieved"):
            lines.append(f"- retrieved: {', '.join(row['retrieved'])}; recall@5 {row.get('evidence_recall_at_5', 0):.0f}")
        lines.append("")
    written[1].write_text("\n".join(lines))
    written += _plots(results, out)
    return written


def measured(results: dict[str, Any]) -> dict[str, float]:
    """Every figure a gate may name: the system's metrics, and the oracle's (what the path kept of right answers)."""
    return {**results["system"], **{k: v for k, v in results.get("model_loss", {}).items() if isinstance(v, float)}}


def gate_ok(key: str, value: float, threshold: float) -> bool:
    return value <= threshold if key.endswith("rate") else value >= threshold


def _plots(results: dict[str, Any], out: Path) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # plots are a nicety; the numbers are in results.json
        return []
    keys = [k for k in SUMMARY_KEYS if not k.startswith("latency") and all(k in results[n] for n in ("system", "reader", "baseline") if n in results)]
    names = [n for n in ("system", "reader", "baseline") if n in results]
    fig, ax = plt.subplots(figsize=(10, 5))
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        ax.bar([x + i * width for x in range(len(keys))], [results[name][k] for k in keys], width, label=name)
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in range(len(keys))], keys, rotation=60, ha="right")
    ax.set_ylim(0, 1.05)
    ax.legend()
    ax.set_title("system vs the reader alone vs llama-index defaults")
    fig.tight_layout()
    path = out / "metrics.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return [path]
