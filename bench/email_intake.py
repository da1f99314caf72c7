"""Email intake: parsing, triage accuracy, the full path on the local stack, a large message.

    python bench/email_intake.py [--messages 200] [--no-demo]

1. Parse: every sample in events/email_intake/mail/ and CPython's email test corpus, parsed
   as intake parses them (headers, body text, attachments decoded and hashed): p50/p95 ms.
2. Classification: accuracy on the held-out quarter of the shipped labelled examples, the
   query embedded by the running worker (POST /embed), as the functions embed it.
3. Full path: `--messages` real-shaped messages (subjects and texts of the labelled examples,
   from the demo tenant's contacts, a fifth with an attachment, a tenth HTML only, a tenth
   replies to an earlier one) delivered where SES would; SES -> S3 -> SQS -> email_intake ->
   ticket, index job, acknowledgement. messages_per_s = messages / (first put -> last outcome),
   after a warm-up that starts every execution environment (reported apart).
4. Large message: 25 MB (a 19 MB attachment) processed by the intake service in a separate
   process against the stack's S3 over HTTP: Python heap peak (tracemalloc) and peak RSS.

Prints one JSON object.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/<name>.py`, this folder comes first on sys.path, where a bench module
# could stand in for a standard library one: the project root takes its place.
if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sysconfig
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from bench.index import peak_rss_mb, percentile_ms
from bench.stack import ROOT, running_stack
from gluekb.adapters.embedder import HttpEmbedder
from gluekb.adapters.ticket_store import TicketStore
from gluekb.models.tickets import MailOutcome
from gluekb.services.mail.parsing import read_content, read_headers, read_message
from gluekb.services.tickets.classification import (
    IntentClassifier,
    held_out_accuracy,
    load_examples,
    split_examples,
)
from gluekb_dev.stack.ses_inbound import InboundTarget, deliver, receipt_target

SAMPLES = ROOT / "events" / "email_intake" / "mail"
SUPPORT = "support@example.com"
LARGE_BYTES = 25 * 1024 * 1024


# ---------------------------------------------------------------- 1. parsing
def parse_once(raw: bytes) -> None:
    def store(
        index: int, name: str, kind: str, data: bytes | bytearray, inline: bool, cid: str | None
    ) -> Any:
        from gluekb.models.tickets import Attachment

        digest = hashlib.sha256(data).hexdigest()
        return Attachment(filename=name, content_type=kind, size=len(data), sha256=digest, key="-")

    message = read_message([raw[i : i + 262_144] for i in range(0, len(raw), 262_144)], 1 << 30)
    read_headers(message, fallback_id="x@bench", trusted_authserv_id="amazonses.com")
    read_content(message, store)


def bench_parse() -> dict[str, Any]:
    corpus_dir = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    files = sorted(SAMPLES.glob("*.eml")) + sorted(corpus_dir.glob("msg_*.txt"))
    messages = [f.read_bytes() for f in files]
    for raw in messages:  # warm up (imports, codecs)
        parse_once(raw)
    times = []
    for _ in range(5):
        for raw in messages:
            started = time.perf_counter()
            parse_once(raw)
            times.append(time.perf_counter() - started)
    return {
        "messages": len(messages),
        "p50_ms": percentile_ms(times, 50),
        "p95_ms": percentile_ms(times, 95),
        "messages_per_s": round(len(times) / sum(times), 1),
    }


# ---------------------------------------------------------------- 2. classification
def bench_classification(worker_url: str) -> dict[str, Any]:
    train, held_out = split_examples(load_examples())
    classifier = IntentClassifier(HttpEmbedder(worker_url, timeout_s=60), train)
    started = time.perf_counter()
    accuracy = held_out_accuracy(classifier, held_out)
    elapsed = time.perf_counter() - started
    rules_only = held_out_accuracy(IntentClassifier(None, train), held_out)
    return {
        "held_out_examples": accuracy.examples,
        "train_examples": len(train),
        "intent_accuracy": round(accuracy.intent, 3),
        "urgency_accuracy": round(accuracy.urgency, 3),
        "rules_only_intent_accuracy": round(rules_only.intent, 3),
        "seconds_incl_embedding_examples": round(elapsed, 1),
        "confusions": [f"{s!r}: {want} -> {got}" for s, want, got in accuracy.confusions],
    }


# ---------------------------------------------------------------- 3. the full path
def senders(stack: Any) -> list[str]:
    from gluekb.adapters.catalog_store import CatalogStore
    from gluekb.adapters.state_store import StateStore

    clients = stack.clients
    state = StateStore(clients.dynamodb, stack.template.physical["StateTable"].ref)
    catalog = CatalogStore(clients.dynamodb, stack.template.physical["CatalogTable"].ref)
    found = []
    for organization in state.organizations():
        for contact in catalog.records_of(organization.id, "contacts"):
            found += contact.identifiers.get("email", [])[:1]
    return sorted(found) or [f"user{n}@unknown-firm.example" for n in range(20)]


def workload(count: int, addresses: list[str]) -> list[bytes]:
    examples = load_examples()
    pdf = b"%PDF-1.4\n" + hashlib.sha256(b"bench").digest() * 4000  # ~128 KB
    built: list[bytes] = []
    ids: list[tuple[str, str, str]] = []  # (message id, sender, subject)
    for n in range(count):
        message = EmailMessage()
        if n % 10 == 9 and ids:  # a reply to an earlier message
            parent, sender, subject = ids[n // 2]
            message["Subject"] = f"RE: {subject}"
            message["In-Reply-To"] = parent
            message["References"] = parent
            text = "Any update on this? It is still happening.\n\n> earlier text"
        else:
            example = examples[n % len(examples)]
            sender = addresses[n % len(addresses)]
            subject, text = example.subject, example.text
            message["Subject"] = subject
        domain = sender.rpartition("@")[2]
        message_id = make_msgid(f"bench{n}", domain=domain)
        message["From"] = sender
        message["To"] = SUPPORT
        message["Message-ID"] = message_id
        message["Date"] = "Sat, 21 Nov 2026 10:00:00 +0000"
        message["Authentication-Results"] = (
            f"amazonses.com; spf=pass; dkim=pass header.i=@{domain}; dmarc=pass"
        )
        if n % 10 == 4:  # HTML only, as some clients send it
            message.set_content(f"<html><body><p>{text}</p></body></html>", subtype="html")
        else:
            message.set_content(text)
        if n % 5 == 0:
            message.add_attachment(pdf, maintype="application", subtype="pdf", filename="log.pdf")
        ids.append((message_id, sender, str(message["Subject"])))
        built.append(message.as_bytes())
    return built


def bench_full_path(stack: Any, count: int) -> dict[str, Any]:
    clients = stack.clients
    target: InboundTarget = receipt_target(clients.ses, [SUPPORT])
    tickets = TicketStore(clients.dynamodb, stack.template.physical["TicketsTable"].ref)
    # Warm up every execution environment: the first message in each imports, then embeds the
    # labelled examples once (cold starts; reported apart from the steady rate).
    warmup = workload(5 * stack.config.function_concurrency, ["warm.up@unknown-firm.example"])
    started = time.perf_counter()
    wait_for(tickets, target.bucket, [deliver(clients.s3, target, raw) for raw in warmup], 900)
    warmup_s = time.perf_counter() - started
    messages = workload(count, senders(stack))
    started = time.perf_counter()
    keys = [deliver(clients.s3, target, raw) for raw in messages]
    put_s = time.perf_counter() - started
    outcomes = wait_for(tickets, target.bucket, keys, 1800)
    elapsed = time.perf_counter() - started
    statuses: dict[str, int] = {}
    for outcome in outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    return {
        "messages": count,
        "megabytes": round(sum(len(m) for m in messages) / 1e6, 1),
        "seconds": round(elapsed, 1),
        "messages_per_s": round(count / elapsed, 2),
        "put_seconds": round(put_s, 1),
        "outcomes": statuses,
        "assigned_to_an_organization": sum(
            1 for o in outcomes if o.organization_id and o.organization_id != "unassigned"
        ),
        "acknowledged": sum(1 for o in outcomes if o.acknowledged),
        "function_concurrency": stack.config.function_concurrency,
        "warmup": {"messages": len(warmup), "seconds": round(warmup_s, 1)},
    }


def wait_for(
    tickets: TicketStore, bucket: str, keys: list[str], timeout_s: float
) -> list[MailOutcome]:
    deadline = time.monotonic() + timeout_s
    done: dict[str, MailOutcome] = {}
    while len(done) < len(keys):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(keys) - len(done)} messages have no outcome")
        for key in keys:
            if key not in done:
                outcome = tickets.intake_outcome(bucket, key)
                if outcome is not None:
                    done[key] = outcome
        time.sleep(0.2)
    return [done[k] for k in keys]


# ---------------------------------------------------------------- 4. a large message
def bench_large(stack: Any) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.mail_support import big_message

    clients = stack.clients
    raw = big_message(LARGE_BYTES)
    bucket = stack.template.physical["MailBucket"].ref
    key = f"bench/large-{time.time_ns()}"  # outside inbound/: only this measurement reads it
    clients.s3.put_object(Bucket=bucket, Key=key, Body=raw)
    env = {**os.environ, **stack.function_environment["EmailIntakeFunction"]}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, __file__, "--measure-large", bucket, key, str(len(raw))],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def measure_large(bucket: str, key: str, size: int) -> None:
    """In a fresh process, as the function: the intake service on one large object."""
    import tracemalloc

    from gluekb.adapters.aws import AwsClients
    from gluekb.settings import EmailIntakeSettings, get_settings
    from gluekb.wiring.tickets import mail_intake

    settings = get_settings(EmailIntakeSettings)
    intake = mail_intake(settings, AwsClients.from_settings(settings))
    intake.desk.store.get("T-0")  # connections and clients made before measuring
    rss_before = peak_rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    outcome = intake.process(bucket, key, size)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = peak_rss_mb()
    print(
        json.dumps(
            {
                "message_mb": round(size / 1e6, 1),
                "status": outcome.status,
                "attachments": outcome.attachments,
                "seconds": round(elapsed, 2),
                "python_peak_mb": round(peak / 1e6, 1),
                "peak_over_message": round(peak / size, 2),
                "rss_peak_before_mb": rss_before,
                "rss_peak_mb": rss_after,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=200, help="messages through the stack")
    parser.add_argument(
        "--no-demo",
        action="store_true",
        help="skip syncing the demo tenant (senders then match no organization)",
    )
    parser.add_argument("--measure-large", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_large:
        bucket, key, size = args.measure_large
        measure_large(bucket, key, int(size))
        return
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    result: dict[str, Any] = {
        "machine": f"{machine}, Python {platform.python_version()}",
        "parse": bench_parse(),
    }
    with (
        tempfile.TemporaryDirectory(prefix="gluekb-bench-") as folder,
        running_stack(Path(folder), first_sync=not args.no_demo) as runner,
    ):
        stack = runner.stack
        result["classification"] = bench_classification(stack.worker_url)
        result["full_path"] = bench_full_path(stack, args.messages)
        result["large_message"] = bench_large(stack)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
