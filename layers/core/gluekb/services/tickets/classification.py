"""Ticket triage without an LLM: intent and urgency from embedding similarity to labelled
examples (shipped in `gluekb/data/ticket_intents.jsonl`), plus explicit rules.

- intent: for each intent, the mean cosine similarity of the query to its `TOP_K` nearest
  examples; rules that name an intent ("ransomware", "invoice", "locked out") add a boost; the
  best wins, and `other` when nothing is close. Confidence is the winner's softmax share.
- urgency: a similarity-weighted vote of the nearest examples' urgency, raised to a floor by
  rules ("everything is down", "cannot work", "ransomware") and capped by "no rush" rules.

The embedder is a port: the worker's POST /embed in the Lambdas, the model itself in tests.
When it is unavailable, the rules alone decide (`method="rules"`): triage never fails the mail.
Accuracy on the held-out examples (every 4th of each intent): `bench/email_intake.py` reports it and
`tests/integration/test_classification.py` holds it to a floor.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, cast

from gluekb.errors import DependencyUnavailable
from gluekb.models.tickets import INTENTS, URGENCIES, Classification, Intent, Urgency

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from gluekb.ports.embedder import Embedder

TOP_K = 3
OTHER_THRESHOLD = 0.22  # best similarity below this (and no rule): nothing is close -> other
SOFTMAX_TEMPERATURE = 0.05
MAX_CLASSIFIED_CHARS = 2000  # the model reads ~256 word pieces; more only costs time
EMBED_BATCH = 64  # the worker's POST /embed takes at most 64 texts


@dataclass(frozen=True)
class Example:
    subject: str
    text: str
    intent: Intent
    urgency: Urgency

    @property
    def document(self) -> str:
        return classification_text(self.subject, self.text)


def classification_text(subject: str, text: str) -> str:
    return f"{subject.strip()}\n{text.strip()}"[:MAX_CLASSIFIED_CHARS]


def load_examples() -> list[Example]:
    source = resources.files("gluekb").joinpath("data/ticket_intents.jsonl")
    examples = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            examples.append(
                Example(row["subject"], row["text"], cast(Intent, row["intent"]), row["urgency"])
            )
    return examples


def split_examples(
    examples: Sequence[Example], every: int = 4
) -> tuple[list[Example], list[Example]]:
    """(train, held out): every `every`-th example of each intent, in file order, is held out."""
    seen: dict[str, int] = {}
    train: list[Example] = []
    held_out: list[Example] = []
    for example in examples:
        position = seen.get(example.intent, 0)
        seen[example.intent] = position + 1
        (held_out if position % every == every - 1 else train).append(example)
    return train, held_out


# ---------------------------------------------------------------- rules
@dataclass(frozen=True)
class IntentRule:
    name: str
    intent: Intent
    boost: float
    pattern: re.Pattern[str]


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


INTENT_RULES: tuple[IntentRule, ...] = (
    IntentRule(
        "security_terms",
        "security_incident",
        0.20,
        _rx(
            r"\b(ransom\w*|phish\w*|malware|trojan|virus(es)?|hack(ed|er|ers)?|compromis\w+|"
            r"breach\w*|spoof\w*|scam\w*|fraud\w*|infected|cyber ?attack|encrypted files|"
            r"files (are|were|have been) encrypted|suspicious (log ?in|sign[- ]?in|email|link|"
            r"activity|attachment))\b"
        ),
    ),
    IntentRule(
        "password_terms",
        "password_reset",
        0.15,
        _rx(
            r"\b(password|passcode|pin|credentials)\b.{0,40}\b(reset|forg[eo]t\w*|expired|"
            r"change|locked|incorrect|wrong|not working)\b|\b(reset|forg[eo]t\w*|expired)\b.{0,40}"
            r"\b(password|pin|mfa)\b|\blocked out\b|\baccount (is |got |has been )?locked\b|"
            r"\b(mfa|2fa|multi-factor|authenticator)\b"
        ),
    ),
    IntentRule(
        "access_terms",
        "access_request",
        0.15,
        _rx(
            r"\b(grant|give|request|add|revoke|remove|set (him|her|them) up)\b.{0,50}\b(access|"
            r"permissions?|rights|licen[cs]e)\b|\bneed\w* (read|write|full|remote|vpn|admin)?\s?"
            r"(access|permissions?) (to|on|for)\b|\bnew (hire|employee|starter|user|physician|"
            r"doctor)\b|\b(on|off)boarding\b|\blast day\b|\baccess denied\b|"
            r"\bdistribution list\b|"
            r"\bsecurity group\b"
        ),
    ),
    IntentRule(
        "outage_terms",
        "outage",
        0.12,
        _rx(
            r"\b(is|are|went|goes|seems?|been|everything|network|internet|server|site|system)\s+"
            r"(down|offline)\b|\boutage\b|\bunreachable\b|\bnot reachable\b|\bno (internet|"
            r"network|connection)\b|\bdown for\b"
        ),
    ),
    IntentRule(
        "widespread",
        "outage",
        0.06,
        _rx(
            r"\b(everyone|nobody|no one|all (users|staff|of us|employees)|whole (office|company|"
            r"building)|entire (office|company|building|network))\b"
        ),
    ),
    IntentRule(
        "billing_terms",
        "billing",
        0.15,
        _rx(
            r"\b(invoice\w*|billing|billed|charged|charges|refund\w*|paid|pricing|price|"
            r"statement|credit card|past due|w-9|sales tax|purchase order|direct debit|late fee|"
            r"subscription|monthly fee|payment (method|confirmation|failed|received|terms|plan))\b"
        ),
    ),
    IntentRule(
        "hardware_terms",
        "hardware",
        0.06,
        _rx(
            r"\b(laptop|monitors?|keyboard|mouse|printer|copier|toner|cartridge|screen|battery|"
            r"docking station|dock|headset|webcam|scanner|ups|hard drive|disk|ram|charger|"
            r"handset|fan)\b"
        ),
    ),
    IntentRule(
        "software_terms",
        "software",
        0.05,
        _rx(
            r"\b(install\w*|update\w*|crash\w*|error|excel|word|outlook|teams|onedrive|"
            r"quickbooks|chrome|browser|application|software|macro|plugin|add-in)\b"
        ),
    ),
)

_CRITICAL = _rx(
    r"\b(ransom\w*|data breach|encrypted (and renamed|files)|files (are|were) (all )?encrypted|"
    r"business email compromise|wired money|wire (transfer )?fraud|whole (office|company|"
    r"building)|entire (office|company|building|network|clinic)|everything is down|nobody can|"
    r"no one can|nothing works|cannot process payments|can't process payments|losing (orders|"
    r"money|customers)|production line|total (network )?outage|emergency|at a standstill|"
    r"compromised admin|domain admin)\b"
)
_HIGH = _rx(
    r"\b(urgent\w*|asap|immediately|right away|cannot work|can't work|unable to work|blocked|"
    r"deadline|today|tomorrow|down|outage|not working for|stolen|lost (my|the|a) (laptop|"
    r"phone)|clicked (a|the|on a) link|did not request|didn't (request|trigger)|hacked|"
    r"infected|malware|trojan)\b"
)
_LOW = _rx(
    r"\b(no rush|not urgent|no hurry|whenever|when you get a chance|when convenient|"
    r"when you (have|get) a (minute|moment)|at your convenience|low priority|next (week|month)|"
    r"sometime|just asking|out of curiosity|for your records)\b"
)
_ORDER: dict[str, int] = {u: i for i, u in enumerate(URGENCIES)}


def urgency_rules(text: str, intent: Intent) -> tuple[Urgency | None, Urgency | None, list[str]]:
    """(floor, cap, fired): a floor the urgency is raised to, a cap it is lowered to."""
    fired: list[str] = []
    floor: Urgency | None = None
    cap: Urgency | None = None
    if _CRITICAL.search(text) and intent in ("outage", "security_incident"):
        floor = "critical"
        fired.append("urgency:critical_terms")
    elif _HIGH.search(text):
        floor = "high"
        fired.append("urgency:high_terms")
    if intent == "security_incident" and floor is None:
        floor = "normal"
    if intent == "outage" and floor in (None, "normal"):
        floor = "high"
        fired.append("urgency:outage")
    if _LOW.search(text) and floor is None:
        cap = "low"
        fired.append("urgency:low_terms")
    return floor, cap, fired


# ---------------------------------------------------------------- the classifier
class IntentClassifier:
    """Thread-safe; example embeddings are computed once per process, on first use."""

    def __init__(self, embedder: Embedder | None, examples: Sequence[Example]) -> None:
        self.embedder = embedder
        self.examples = list(examples)
        self._matrix: NDArray[np.float32] | None = None
        self._lock = threading.Lock()

    def _example_matrix(self) -> NDArray[np.float32] | None:
        if self.embedder is None:
            return None
        with self._lock:
            if self._matrix is None:
                import numpy as np

                documents = [e.document for e in self.examples]
                parts = [
                    self.embedder.embed(documents[start : start + EMBED_BATCH])
                    for start in range(0, len(documents), EMBED_BATCH)
                ]
                self._matrix = np.vstack(parts).astype(np.float32)
            return self._matrix

    def embed_query(self, subject: str, text: str) -> NDArray[np.float32] | None:
        """The query's embedding (also used to search the knowledge base), or None when the
        embedder is unavailable."""
        if self.embedder is None:
            return None
        try:
            vectors = self.embedder.embed([classification_text(subject, text)])
        except DependencyUnavailable:
            return None
        vector: NDArray[np.float32] = vectors[0]
        return vector

    def classify(
        self, subject: str, text: str, vector: NDArray[np.float32] | None = None
    ) -> Classification:
        import numpy as np

        document = classification_text(subject, text)
        if vector is None:
            vector = self.embed_query(subject, text)
        try:
            matrix = self._example_matrix() if vector is not None else None
        except DependencyUnavailable:
            matrix = None
        scores = {intent: 0.0 for intent in INTENTS}
        fired: list[str] = []
        for rule in INTENT_RULES:
            if rule.pattern.search(document):
                scores[rule.intent] += rule.boost
                fired.append(rule.name)
        neighbours: list[tuple[float, Example]] = []
        best_similarity = 0.0
        if matrix is not None and vector is not None:
            similarities = matrix @ np.asarray(vector, dtype=np.float32)
            for intent in INTENTS:
                own = np.array(
                    [
                        s
                        for s, e in zip(similarities, self.examples, strict=True)
                        if e.intent == intent
                    ]
                )
                if own.size:
                    top = np.sort(own)[-TOP_K:]
                    scores[intent] += float(top.mean())
                    best_similarity = max(best_similarity, float(top.max()))
            order = np.argsort(-similarities)[: TOP_K * 2]
            neighbours = [(float(similarities[i]), self.examples[int(i)]) for i in order]
        intent = max(INTENTS, key=lambda i: (scores[i], i == "other"))
        if matrix is not None and best_similarity < OTHER_THRESHOLD and not fired:
            intent = "other"
        if matrix is None and not fired:
            intent = "other"
        values = np.array([scores[i] for i in INTENTS], dtype=np.float64)
        shares = np.exp((values - values.max()) / SOFTMAX_TEMPERATURE)
        confidence = float(shares[INTENTS.index(intent)] / shares.sum())
        urgency, urgency_fired = self._urgency(document, intent, neighbours)
        return Classification(
            intent=intent,
            urgency=urgency,
            confidence=round(confidence, 3),
            method="embedding+rules" if matrix is not None else "rules",
            rules=fired + urgency_fired,
        )

    @staticmethod
    def _urgency(
        document: str, intent: Intent, neighbours: list[tuple[float, Example]]
    ) -> tuple[Urgency, list[str]]:
        votes = {u: 0.0 for u in URGENCIES}
        for similarity, example in neighbours:
            votes[example.urgency] += max(similarity, 0.0)
        voted: Urgency = max(URGENCIES, key=lambda u: (votes[u], u == "normal"))
        if not neighbours:
            voted = "normal"
        floor, cap, fired = urgency_rules(document, intent)
        if cap is not None:
            return cap, fired
        if floor is not None and _ORDER[floor] > _ORDER[voted]:
            return floor, fired
        return voted, fired


@dataclass
class Accuracy:
    intent: float
    urgency: float
    examples: int
    confusions: list[tuple[str, str, str]]  # (subject, expected, got)


def held_out_accuracy(classifier: IntentClassifier, held_out: Sequence[Example]) -> Accuracy:
    """How often the classifier agrees with the labels of examples it was not given."""
    vectors: list[NDArray[np.float32] | None] = [None] * len(held_out)
    if classifier.embedder is not None:  # one batch per EMBED_BATCH, not one call per example
        documents = [e.document for e in held_out]
        for start in range(0, len(documents), EMBED_BATCH):
            batch = classifier.embedder.embed(documents[start : start + EMBED_BATCH])
            vectors[start : start + len(batch)] = list(batch)
    intents = urgencies = 0
    confusions: list[tuple[str, str, str]] = []
    for example, vector in zip(held_out, vectors, strict=True):
        result = classifier.classify(example.subject, example.text, vector)
        intents += result.intent == example.intent
        urgencies += result.urgency == example.urgency
        if result.intent != example.intent:
            confusions.append((example.subject, example.intent, result.intent))
    total = max(1, len(held_out))
    return Accuracy(intents / total, urgencies / total, len(held_out), confusions)
