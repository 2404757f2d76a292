"""Every row of several `rag eval` runs on one gold file, side by side: one table and one risk–coverage plot.

A run scores one backend (and, on the default path, the reader alone and the baseline beside it); the rows the
eval README reports — oracle, mix, liar, the real models behind the Ollama stand-in, the default path, the reader
alone, the baseline — come from several runs. `python -m rag.evaluate.rows OUT_DIR... [--write DIR]` reads each
run's results.json, prints the table grouped by gold file, and with ``--write`` puts `rows.md` and one
`rows-<gold>.png` per gold file there. Nothing is re-scored: the figures are the runs' own. (No latency column: a
run that re-reads cached model answers is no measure of speed; bench/ measures that.)

`python -m rag.evaluate.rows --against OLD_GOLD OUT_DIR` judges the answers one run showed (stored whole in its
results.json) by another gold file with the same questions, beside the run's own figures: what a change of gold
alone does to the answer figures, the answers unchanged. Each judgement is `rag.evaluate.harness.judge`, with the
short-lead rule of each (the 20-word rule alone, and the gold rule's).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

COLUMNS = (
    ("lead", "lead_accuracy"),
    ("lead 20w", "lead_accuracy_20w"),
    ("claimed wrong", "confidently_wrong_rate"),
    ("claimed", "claim_rate"),
    ("coverage ≤5% risk", "coverage_at_risk_05"),
    ("lead ≤5% wrong", "lead_at_wrong_05"),
    ("AURC", "aurc"),
    ("AUROC", "auroc"),
    ("ECE shown", "ece_shown"),
    ("ECE cand.", "ece_candidates"),
    ("must_include", "must_include_accuracy"),
    ("refusal", "refusal_accuracy"),
    ("false refusal", "false_refusal_rate"),
)
ORDER = ("oracle", "mix", "liar", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b", "default path", "reader alone", "baseline")


def rows_of(results: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """(label, the system's figures, the model's figures) for each row one run holds."""
    backend = results["backend"]
    model = results.get("model")
    if model and backend == "ollama":
        return [(model["model"], results["system"], model)]
    if backend in ("oracle", "mix", "liar"):
        return [(backend, results["system"], model)]
    labels = {"system": "default path", "reader": "reader alone", "baseline": "baseline"}
    return [(label, results[key], None) for key, label in labels.items() if key in results]


def _cell(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"


def table(runs: list[dict[str, Any]]) -> str:
    """One markdown table per gold file, rows in the README's order, then any others."""
    by_gold: dict[str, list[tuple[str, dict, dict | None]]] = defaultdict(list)
    for results in runs:
        by_gold[results["gold"]] += rows_of(results)
    parts = []
    for gold, rows in by_gold.items():
        rows.sort(key=lambda r: ORDER.index(r[0]) if r[0] in ORDER else len(ORDER))
        header = ["row", *(name for name, _ in COLUMNS), "model right"]
        lines = [f"`{gold}` ({len(rows[0][1]['per_question'])} questions)", "", "| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
        for label, figures, model in rows:
            cells = [label, *(_cell(figures.get(key)) for _, key in COLUMNS), _cell(model["model_right"]) if model else "-"]
            lines.append("| " + " | ".join(cells) + " |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def plot(runs: list[dict[str, Any]], folder: Path) -> list[Path]:
    """rows-<gold>.png: every row's risk–coverage curve on one gold file, each row's own claims marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rag.evaluate.report import risk_coverage_plot

    by_gold: dict[str, list[tuple[str, dict, dict | None]]] = defaultdict(list)
    for results in runs:
        by_gold[results["gold"]] += rows_of(results)
    written = []
    for gold, rows in by_gold.items():
        ordered = sorted(rows, key=lambda r: ORDER.index(r[0]) if r[0] in ORDER else len(ORDER))
        path = folder / f"rows-{Path(gold).parent.name}-{Path(gold).stem}.png"
        written.append(risk_coverage_plot({label: figures for label, figures, _ in ordered}, path, plt))
    return written


def against(results: dict[str, Any], other: Path) -> str:
    """The run's answers judged by its own gold and by ``other`` (same ids): lead (both short rules), claimed wrong,
    must_include, for each row of the run."""
    from rag.evaluate.gold import load_gold
    from rag.evaluate.harness import judge
    from rag.schema import Answer

    gold = {item.id: item for item in load_gold(other, {})}
    lines = ["| row | gold | lead | lead 20w | claimed wrong | must_include |", "|---|---|---|---|---|---|"]
    for label, figures, _ in rows_of(results):
        rows = figures["per_question"]
        rejudged = [{"answerable": gold[r["id"]].answerable, **judge(gold[r["id"]], Answer.from_dict(r["full_answer"]))} for r in rows if r["id"] in gold]
        for name, judged in ((Path(results["gold"]).name, rows), (f"{other.name} (other)", rejudged)):
            answerable = [r for r in judged if r["answerable"]]
            mean = lambda key, part: sum(r.get(key, 0.0) for r in part) / max(len(part), 1)  # noqa: E731
            cells = [mean("lead", answerable), mean("lead_20w", answerable), mean("confidently_wrong", judged), mean("must_include", answerable)]
            lines.append(f"| {label} | {name} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--against"] and len(argv) == 3:
        print(against(json.loads((Path(argv[2]) / "results.json").read_text()), Path(argv[1])))
        return 0
    write = Path(argv[argv.index("--write") + 1]) if "--write" in argv else None
    folders = [Path(a) for a in argv if a != "--write" and (write is None or Path(a) != write)]
    runs = [json.loads((f / "results.json").read_text()) for f in folders if (f / "results.json").is_file()]
    if not runs:
        print("no results.json in the folders given", file=sys.stderr)
        return 2
    text = table(runs)
    print(text)
    if write is not None:
        write.mkdir(parents=True, exist_ok=True)
        (write / "rows.md").write_text(text + "\n")
        print("Wrote " + ", ".join(str(p) for p in [write / "rows.md", *plot(runs, write)]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
