"""How sure an answer is, from how it was found (calibrated on bench/data/answers.jsonl: see
the per-band accuracy that `bench/answers.py` prints).

Signals: how the record was named (an exact identifier or its name beats a role, which beats
a value or a word of its text), how the field was named (IT vocabulary or the field's own
words beat nothing: a summary), whether several records answered alike, whether the
organization was known, and whether the answer leans on a previous turn.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Signals:
    named_by: str  # "exact", "name", "role", "value", "graph", "passage"
    field_strength: float  # 0..1 (0: no field named: a summary or a list)
    records: int  # how many records the answer quotes
    organization_known: bool
    follow_up: bool = False
    passage_score: float = 0.0
    coverage: float = 1.0


_BASE = {
    "exact": 0.9,
    "name": 0.88,
    "role": 0.8,
    "graph": 0.86,
    "list": 0.85,
    "passage": 0.74,
    "value": 0.66,
    "text": 0.55,
}


def confidence(signals: Signals) -> float:
    score = _BASE.get(signals.named_by, 0.5)
    if signals.named_by == "passage":
        score += min(0.3, 0.15 * max(0.0, signals.passage_score - 1.0))
        score -= 0.5 * (1.0 - signals.coverage)
    elif signals.named_by not in ("graph", "list"):
        if signals.field_strength >= 0.85:
            score += 0.06
        elif signals.field_strength == 0:
            score -= 0.08
        elif signals.field_strength < 0.6:
            score -= 0.12
    if signals.records > 1 and signals.named_by not in ("graph", "list"):
        score -= 0.04 * min(signals.records - 1, 3)
    if not signals.organization_known:
        score -= 0.06
    if signals.follow_up:
        score -= 0.05
    return round(max(0.05, min(score, 0.99)), 2)
