"""The whole risk–coverage curve of a system's confidence, and whether that confidence means what it says.

One operating point hides the judge: a threshold that claims little may do so because the confidence cannot tell
right from wrong (discrimination), or because it is set too high (calibration). Every answer carries the best short
answer the system weighed and its probability (`Answer.candidate`, `candidate_confidence`); the harness judges that
candidate by the gold (holds every `must_include` string and is short), never by the system. Here a threshold
sweeps down the candidates, most confident first:

- **risk–coverage**: at each threshold, the questions claimed (coverage, of all questions), the wrong ones among
  them (selective risk), wrong claims of all questions, and right claims of the answerable (the lead). Right and
  wrong are judged as a claim's lead is (`rag.evaluate.harness.candidate_row`): right holds every `must_include`
  string and is short, wrong lacks one (or answers an unanswerable question), a long one holding the facts is
  neither. The product's own threshold is the point its claims actually made, on the same scales;
- **coverage at ≤ 5 % risk**: the most questions claimed with at most 5 % of the claims wrong; **lead at ≤ 5 %
  wrong**: the best lead with at most 5 % of all questions claimed wrong (the product's own ceiling);
- **AURC**: the mean selective risk along the ranking (over the questions with a candidate): 0 when every right
  candidate ranks above every wrong one, the candidates' error rate when the ranking is random;
- **AUROC**: the chance a candidate that holds the facts outranks a wrong one;
- **ECE**: the mean gap, over ten equal-width bins weighted by their share, between the confidence and the share
  that holds the facts (the confidence says "this answer is right"): of the confidence shown with a claim
  (`ece_shown`), and of every candidate's (`ece_candidates`).

Written by hand: scikit-learn has ROC AUC (used) but no selective-risk curve or ECE.
"""

from __future__ import annotations

from typing import Any

RISK = 0.05  # the product's ceiling on claimed wrong answers
BINS = 10


def judged(rows: list[dict[str, Any]]) -> list[tuple[float, bool, bool]]:
    """(confidence, right, wrong) for every question with a candidate, most confident first."""
    found = [(float(r["candidate_confidence"]), bool(r["candidate_right"]), bool(r["candidate_wrong"])) for r in rows if r.get("candidate")]
    return sorted(found, key=lambda x: -x[0])


def curve(rows: list[dict[str, Any]]) -> list[dict[str, float]]:
    """One point per distinct threshold, from the highest: what claiming every candidate at or above it would show."""
    ranked = judged(rows)
    total, answerable = len(rows), sum(bool(r["answerable"]) for r in rows)
    points, right, wrong = [], 0, 0
    for k, (confidence, ok, bad) in enumerate(ranked):
        right, wrong = right + ok, wrong + bad
        if k + 1 < len(ranked) and ranked[k + 1][0] == confidence:
            continue  # ties are claimed together
        claims = k + 1
        points.append(
            {
                "threshold": round(confidence, 4),
                "coverage": claims / total,
                "risk": wrong / claims,
                "wrong_rate": wrong / total,
                "lead": right / answerable if answerable else 0.0,
            }
        )
    return points


def aurc(rows: list[dict[str, Any]]) -> float | None:
    ranked = judged(rows)
    if not ranked:
        return None
    wrong, total = 0, 0.0
    for k, (_, _, bad) in enumerate(ranked, 1):
        wrong += bad
        total += wrong / k
    return total / len(ranked)


def auroc(rows: list[dict[str, Any]]) -> float | None:
    ranked = judged(rows)
    labels = [not bad for _, _, bad in ranked]
    if len(set(labels)) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, [c for c, _, _ in ranked]))


def reliability(pairs: list[tuple[float, bool]]) -> tuple[list[dict[str, float]], float | None]:
    """Per bin of confidence: its count, mean confidence and share right; and the ECE (None with no pairs)."""
    if not pairs:
        return [], None
    bins = []
    for b in range(BINS):
        low, high = b / BINS, (b + 1) / BINS
        inside = [(c, ok) for c, ok in pairs if low <= c < high or (b == BINS - 1 and c == 1.0)]
        if inside:
            bins.append(
                {
                    "low": low,
                    "high": high,
                    "count": len(inside),
                    "confidence": sum(c for c, _ in inside) / len(inside),
                    "right": sum(ok for _, ok in inside) / len(inside),
                }
            )
    ece = sum(b["count"] / len(pairs) * abs(b["confidence"] - b["right"]) for b in bins)
    return bins, ece


def at_ceiling(points: list[dict[str, float]], key: str, ceiling: float = RISK) -> dict[str, float]:
    """The point that claims most while ``key`` (risk or wrong_rate) stays within ``ceiling``; nothing claimed: zeros."""
    within = [p for p in points if p[key] <= ceiling]
    return max(within, key=lambda p: p["coverage"]) if within else {"threshold": 1.0, "coverage": 0.0, "risk": 0.0, "wrong_rate": 0.0, "lead": 0.0}


def operating_point(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Where the product's own threshold put it, on the curve's scales: what it claimed, and how those claims fare."""
    claims = [r for r in rows if r["claimed"]]
    answerable = sum(bool(r["answerable"]) for r in rows)
    wrong = sum(bool(r["candidate_wrong"]) for r in claims)
    return {
        "coverage": len(claims) / len(rows) if rows else 0.0,
        "risk": wrong / len(claims) if claims else 0.0,
        "wrong_rate": wrong / len(rows) if rows else 0.0,
        "lead": sum(bool(r["candidate_right"]) for r in claims) / answerable if answerable else 0.0,
    }


def calibration(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The curve and its summaries for one system's rows (the harness's per-question rows)."""
    points = curve(rows)
    shown = [(float(r["confidence"]), not r["candidate_wrong"]) for r in rows if r["claimed"]]
    every = [(c, not bad) for c, _, bad in judged(rows)]
    shown_bins, shown_ece = reliability(shown)
    candidate_bins, candidate_ece = reliability(every)
    by_risk, by_wrong = at_ceiling(points, "risk"), at_ceiling(points, "wrong_rate")
    return {
        "coverage_at_risk_05": by_risk["coverage"],
        "lead_at_risk_05": by_risk["lead"],
        "lead_at_wrong_05": by_wrong["lead"],
        "threshold_at_wrong_05": by_wrong["threshold"],
        "aurc": aurc(rows),
        "auroc": auroc(rows),
        "ece_shown": shown_ece,
        "ece_candidates": candidate_ece,
        "candidates": len(every),
        "operating_point": operating_point(rows),
        "curve": points,
        "reliability_shown": shown_bins,
        "reliability_candidates": candidate_bins,
    }
