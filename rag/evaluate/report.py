"""Write results.json, report.md and PNG plots; format the summary table printed by `rag eval`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CURVE_KEYS = ("coverage_at_risk_05", "lead_at_wrong_05", "aurc", "auroc", "ece_shown", "ece_candidates")
SUMMARY_KEYS = (
    "lead_accuracy", "lead_accuracy_20w", "confidently_wrong_rate", "claim_rate", *CURVE_KEYS,
    "long_lead_rate", "must_include_accuracy", "refusal_accuracy", "false_refusal_rate",
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


def model_text(model: dict[str, Any]) -> str:
    """A generating model's figures: how often it was right, and what the path showed of its right and wrong leads."""
    return "\n".join(
        [
            f"model {model['model']}: lead right {model['model_right']:.3f} of answerable; claimed right {model['right_claimed']:.3f},"
            f" right but shown as doubt {model['right_doubted']:.3f}; its wrong leads claimed {model['wrong_claimed']:.3f} of all questions",
            f"  said the articles don't say: {model['declined_answerable']:.3f} of answerable, {model['declined_unanswerable']:.3f} of unanswerable;"
            f" never asked (not found first, or fell back): {len(model['not_asked'])}; failed with an error: {len(model.get('failed', []))}",
        ]
    )


def lies_text(lies: dict[str, Any]) -> str:
    """The liar's figures: its wrong answers shown as claims, and what stopped the rest."""
    lines = [f"liar's wrong answers shown as claims: {lies['lie_claimed_rate']:.3f}" + (f" ({', '.join(lies['claimed_wrong'])})" if lies["claimed_wrong"] else "")]
    readers = f" ({', '.join(lies['reader_claimed_wrong'])})" if lies["reader_claimed_wrong"] else ""
    lines += [f"  the reader's own wrong answers claimed where the liar was doubted: {lies['reader_claimed_wrong_rate']:.3f}{readers}"]
    lines += [f"  refused by a rule (a figure or name no passage gives): {lies['refused_by_rule']}"]
    lines += [f"  refused: the check confirms a rival more: {lies['refused_as_outranked']}"]
    lines += [f"  doubted by a rule (slot, negation) and below the threshold: {lies['refused_doubted_by_rule']}"]
    lines += [f"  refused by the check (below the threshold): {lies['refused_by_check']}"]
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
    if "model" in results:
        parts.append("\n" + model_text(results["model"]))
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
        f"- {k}: {values[k]:.3f} {'<=' if k.endswith('rate') or k in CEILINGS else '>='} {v} → {'ok' if gate_ok(k, values[k], v) else 'FAIL'}"
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
    if "model" in results:
        lines += ["## What the model wrote and what was shown of it", "", "```", model_text(results["model"]), "```", ""]
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
    """Every figure a gate may name: the system's metrics, the oracle's (what the path kept of right answers) and the
    liar's (its own answers claimed).
    A figure that could not be computed (an AUROC with no wrong candidate) is not measured."""
    figures = {**results["system"], **{k: v for k, v in (results.get("model_loss", {}) | results.get("lies", {})).items() if isinstance(v, float)}}
    return {k: v for k, v in figures.items() if v is not None}


CEILINGS = ("aurc", "ece_shown", "ece_candidates")  # lower is better, as for every "…_rate"


def gate_ok(key: str, value: float, threshold: float) -> bool:
    return value <= threshold if key.endswith("rate") or key in CEILINGS else value >= threshold


def _plots(results: dict[str, Any], out: Path) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # plots are a nicety; the numbers are in results.json
        return []
    keys = [k for k in SUMMARY_KEYS if not k.startswith("latency") and all(results[n].get(k) is not None for n in ("system", "reader", "baseline") if n in results)]
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
    return [path, *curve_plots({n: results[n] for n in names}, out, plt)]


def curve_plots(systems: dict[str, dict[str, Any]], out: Path, plt) -> list[Path]:
    """risk_coverage.png (selective risk against coverage as the threshold moves, each system's own claims marked)
    and reliability.png (share right against confidence, for every candidate and for the confidence shown)."""
    return [risk_coverage_plot(systems, out / "risk_coverage.png", plt), _reliability(systems, out / "reliability.png", plt)]


def risk_coverage_plot(systems: dict[str, dict[str, Any]], path: Path, plt) -> Path:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    for name, result in systems.items():
        points = result["calibration"]["curve"]
        line = left.plot([p["coverage"] for p in points], [p["risk"] for p in points], label=f"{name} (AURC {_fmt('aurc', result.get('aurc'))})")[0]
        product = result["calibration"]["operating_point"]
        left.scatter([product["coverage"]], [product["risk"]], color=line.get_color(), marker="o", zorder=3)
        right.plot([p["wrong_rate"] for p in points], [p["lead"] for p in points], color=line.get_color(), label=name)
        right.scatter([product["wrong_rate"]], [product["lead"]], color=line.get_color(), marker="o", zorder=3)
    left.axhline(0.05, color="grey", linestyle=":", linewidth=1)
    left.set(
        xlabel="coverage (questions claimed)",
        ylabel="selective risk (claims wrong)",
        xlim=(0, 1.02),
        ylim=(0, 1.02),
        title="risk–coverage (dot: the product's threshold)",
    )
    right.axvline(0.05, color="grey", linestyle=":", linewidth=1)
    right.set(xlabel="claimed wrong, of all questions", ylabel="lead: claimed right, of answerable", xlim=(0, 1.02), ylim=(0, 1.02), title="lead against wrong claims")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _reliability(systems: dict[str, dict[str, Any]], path: Path, plt) -> Path:
    fig, axes = plt.subplots(1, len(systems), figsize=(5 * len(systems), 4.5), squeeze=False)
    for ax, (name, result) in zip(axes[0], systems.items(), strict=True):
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
        for key, label in (("reliability_candidates", "every candidate"), ("reliability_shown", "shown with a claim")):
            bins = result["calibration"][key]
            ax.plot([b["confidence"] for b in bins], [b["right"] for b in bins], marker="o", label=label)
        ece = f"ECE shown {_fmt('ece', result.get('ece_shown'))}, candidates {_fmt('ece', result.get('ece_candidates'))}"
        ax.set(xlabel="confidence", ylabel="share right", xlim=(0, 1), ylim=(0, 1.02), title=f"{name}: {ece}")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
