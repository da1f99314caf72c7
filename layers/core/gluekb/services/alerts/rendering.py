"""Alerts and their context as the plain text of ticket messages: the first message (what fired,
then the context, every item followed by its source) and the notes later alerts add."""

from __future__ import annotations

from collections.abc import Iterable

from gluekb.models.alerts import AlertEvent
from gluekb.models.incidents import AssetContext, SourceRef

MAX_LABELS_SHOWN = 20


def _source(ref: SourceRef) -> str:
    where = f" {ref.url}" if ref.url else ""
    return f"[source: {ref.id}{where}]"


def alert_lines(alert: AlertEvent, sender: str) -> list[str]:
    """What fired: name, status, severity, since when, summary, value, labels, the rule."""
    since = alert.starts_at.isoformat() if alert.starts_at else "unknown"
    lines = [
        f"{alert.status.upper()}: {alert.name}"
        + (f" (severity {alert.severity})" if alert.severity else "")
        + f" since {since}, from {sender}"
    ]
    if alert.summary:
        lines.append(f"Summary: {alert.summary}")
    if alert.description and alert.description != alert.summary:
        lines.append(f"Description: {alert.description}")
    if alert.value:
        lines.append(f"Value: {alert.value}")
    shown = sorted(alert.labels.items())[:MAX_LABELS_SHOWN]
    if shown:
        lines.append("Labels: " + ", ".join(f"{k}={v}" for k, v in shown))
    if alert.source_url:
        lines.append(f"Rule: {alert.source_url}")
    return lines


def _section(title: str, lines: Iterable[str], empty: str) -> list[str]:
    body = list(lines)
    return ["", title, *(body or [f"  ({empty})"])]


def _heading(context: AssetContext) -> list[str]:
    """Which asset, how it was matched, how urgent."""
    out: list[str] = []
    if context.asset is not None:
        out.append(f"Asset: {context.asset.title} {_source(context.asset)}")
        if context.matched_by:
            out.append(f"Matched by: {context.matched_by}")
    else:
        out.append(
            f"Asset not documented: no configuration matches {context.identifier or 'the alert'}"
        )
    out.append(f"Urgency: {context.urgency} ({context.urgency_reason})")
    return out


def context_lines(context: AssetContext) -> list[str]:
    """The context as text, in the order a responder reads it."""
    out = _heading(context)
    own = context.asset.id if context.asset else None
    out += _section(
        f"Key facts (from {context.asset.title} unless marked):" if context.asset else "Key facts:",
        (
            f"  - {f.label}: {f.value}" + ("" if f.source.id == own else f" {_source(f.source)}")
            for f in context.facts
        ),
        "none documented",
    )
    out += _section(
        "Impact, what depends on it:",
        (
            f"  - {d.name}"
            + (f" ({d.type_label})" if d.type_label else "")
            + f": {d.relation}"
            + (f", {d.distance} hops away" if d.distance > 1 else "")
            + f" {_source(d.source)}"
            for d in context.dependents
        ),
        "nothing documented depends on it",
    )
    out += _section(
        "Runbook passages that mention it:",
        (f"  - {r.title}: {r.text} {_source(r.source)}" for r in context.runbooks),
        "none found",
    )
    out += _section(
        "Similar past tickets:",
        (
            f"  - {t.ticket_id} {t.subject} ({t.status or 'unknown'})"
            + (f"; resolution: {t.resolution}" if t.resolution else "")
            + f" {_source(t.source)}"
            for t in context.similar_tickets
        ),
        "none found",
    )
    out += _section(
        "Credentials (names only; reveal values in IT Glue or with get_password):",
        (
            f"  - {c.name}"
            + (f" ({c.category})" if c.category else "")
            + (f", user {c.username}" if c.username else "")
            + f" {_source(c.source)}"
            for c in context.credentials
        ),
        "none documented",
    )
    if context.notes:
        out += ["", *(f"Note: {n}" for n in context.notes)]
    return out


def first_message(alerts: list[AlertEvent], sender: str, context: AssetContext) -> str:
    lines: list[str] = []
    for alert in alerts:
        lines += [*alert_lines(alert, sender), ""]
    return "\n".join([*lines, *context_lines(context)]).strip()


def note(alert: AlertEvent, sender: str, what: str) -> str:
    return "\n".join([what, *alert_lines(alert, sender)])
