"""Scoring `/v1/ask` and `/v1/search` on a labelled question set (bench/data/*.jsonl).

Each line of a set is a question written from the demo tenant's data (seed 42) the way
technicians type it, with the values a correct answer must quote and the records that hold them:

    {"id": "d-001", "category": "configuration", "question": "acme fw01 serial",
     "organization": null, "answerable": true, "expected": ["FG200FTK31W90JPK"],
     "source_ids": ["itglue:configurations:200001"]}

Unanswerable questions carry `"answerable": false` and a `reason` (wrong_org, empty_field,
nonexistent, opinion, future). An answerable question is answered correctly when `found` is true
and every expected value appears verbatim in a fact's value; an unanswerable one when `found` is
false. Used by `bench/answers.py` (prints JSON) and by the test that pins the floors.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
DEV_SET = DATA / "answers.jsonl"
HOLDOUT_SET = DATA / "answers_holdout.jsonl"
# Written separately again, later, by another hand; never tuned on either.
HOLDOUT2_SET = DATA / "answers_holdout2.jsonl"
SETS = {"dev": DEV_SET, "holdout": HOLDOUT_SET, "holdout2": HOLDOUT2_SET}
BANDS = ((0.8, 1.01, "0.8-1.0"), (0.6, 0.8, "0.6-0.8"), (0.0, 0.6, "0.0-0.6"))

# POST a JSON body to an API path and return the parsed response.
Post = Callable[[str, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Question:
    id: str
    category: str
    question: str
    organization: str | None
    answerable: bool
    expected: tuple[str, ...]
    source_ids: tuple[str, ...]
    reason: str | None = None


def load(path: Path) -> list[Question]:
    questions = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        questions.append(
            Question(
                id=row["id"],
                category=row["category"],
                question=row["question"],
                organization=row.get("organization"),
                answerable=bool(row["answerable"]),
                expected=tuple(row.get("expected", ())),
                source_ids=tuple(row.get("source_ids", ())),
                reason=row.get("reason"),
            )
        )
    return questions


def correct(question: Question, answer: dict[str, Any]) -> bool:
    if not question.answerable:
        return not answer["found"]
    values = [fact["value"] for fact in answer.get("facts", [])]
    return bool(answer["found"]) and all(
        any(expected in value for value in values) for expected in question.expected
    )


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += ok
        self.total += 1

    @property
    def rate(self) -> float | None:
        return round(self.right / self.total, 4) if self.total else None


@dataclass
class Report:
    answerable: Tally = field(default_factory=Tally)
    unanswerable: Tally = field(default_factory=Tally)
    categories: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    bands: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    ranks: list[int | None] = field(default_factory=list)
    ask_ms: list[float] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        ranked = self.ranks
        return {
            "questions": self.answerable.total + self.unanswerable.total,
            "accuracy": self.answerable.rate,
            "abstention": self.unanswerable.rate,
            "recall_at_1": _recall(ranked, 1),
            "recall_at_5": _recall(ranked, 5),
            "mrr_at_10": _mrr(ranked),
            "per_category": {k: v.rate for k, v in sorted(self.categories.items())},
            "per_category_counts": {
                k: f"{v.right}/{v.total}" for k, v in sorted(self.categories.items())
            },
            "accuracy_by_confidence": {
                k: {"accuracy": v.rate, "answers": v.total} for k, v in sorted(self.bands.items())
            },
            "ask_p50_ms": _percentile(self.ask_ms, 50),
            "ask_p95_ms": _percentile(self.ask_ms, 95),
            "search_p50_ms": _percentile(self.search_ms, 50),
            "search_p95_ms": _percentile(self.search_ms, 95),
        }


def _recall(ranks: list[int | None], k: int) -> float | None:
    if not ranks:
        return None
    return round(sum(1 for r in ranks if r is not None and r < k) / len(ranks), 4)


def _mrr(ranks: list[int | None]) -> float | None:
    if not ranks:
        return None
    return round(sum(1 / (r + 1) for r in ranks if r is not None and r < 10) / len(ranks), 4)


def _percentile(samples: list[float], q: int) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return round(ordered[index], 1)


def _band(confidence: float) -> str:
    return next(name for low, high, name in BANDS if low <= confidence < high)


def evaluate(post: Post, questions: Iterable[Question]) -> Report:
    """Ask every question once (`/v1/ask`), and search every answerable one (`/v1/search`)."""
    report = Report()
    for question in questions:
        body: dict[str, Any] = {"question": question.question}
        if question.organization:
            body["organization"] = question.organization
        started = time.perf_counter()
        answer = post("/v1/ask", body)
        report.ask_ms.append((time.perf_counter() - started) * 1000)
        ok = correct(question, answer)
        _record(report, question, answer, ok)
        if question.answerable and question.source_ids:
            report.ranks.append(_search_rank(post, question, report))
    return report


def _record(report: Report, question: Question, answer: dict[str, Any], ok: bool) -> None:
    if question.answerable:
        report.answerable.add(ok)
        report.categories[question.category].add(ok)
    else:
        report.unanswerable.add(ok)
        report.categories[f"unanswerable:{question.reason}"].add(ok)
    if answer["found"]:
        report.bands[_band(float(answer.get("confidence", 0)))].add(ok)
    if not ok:
        report.failures.append(
            {
                "id": question.id,
                "question": question.question,
                "organization": question.organization,
                "expected": list(question.expected),
                "found": answer["found"],
                "facts": [(f["record"]["title"], f["field"], f["value"]) for f in answer["facts"]],
            }
        )


def _search_rank(post: Post, question: Question, report: Report) -> int | None:
    body: dict[str, Any] = {"query": question.question, "limit": 10}
    if question.organization:
        body["organization"] = question.organization
    started = time.perf_counter()
    result = post("/v1/search", body)
    report.search_ms.append((time.perf_counter() - started) * 1000)
    seen: list[str] = []
    for hit in result["results"]:
        if hit["source_id"] not in seen:
            seen.append(hit["source_id"])
    return next((i for i, s in enumerate(seen) if s in question.source_ids), None)
