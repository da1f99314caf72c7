"""Ticket triage measured on the shipped labelled examples it was not given (held out)."""

from __future__ import annotations

from typing import Any

from gluekb.services.tickets.classification import (
    IntentClassifier,
    held_out_accuracy,
    load_examples,
    split_examples,
)


def test_held_out_examples_are_classified_well_with_the_model(embedder: Any) -> None:
    # Given a classifier that knows three quarters of the labelled examples
    train, held_out = split_examples(load_examples())
    assert len(held_out) >= 50 and not {e.document for e in held_out} & {e.document for e in train}
    with_model = IntentClassifier(embedder, train)
    # When it triages the quarter it has never seen
    accuracy = held_out_accuracy(with_model, held_out)
    rules_only = held_out_accuracy(IntentClassifier(None, train), held_out)
    # Then most intents and urgencies agree with the labels (0.84 and 0.84 when written)
    assert accuracy.intent >= 0.80, accuracy.confusions
    assert accuracy.urgency >= 0.75
    # And the examples add something to the explicit rules
    assert accuracy.intent > rules_only.intent


def test_every_intent_has_enough_examples_to_hold_some_out() -> None:
    train, held_out = split_examples(load_examples())
    intents = {e.intent for e in load_examples()}
    assert len(intents) == 8
    assert {e.intent for e in held_out} == intents == {e.intent for e in train}
