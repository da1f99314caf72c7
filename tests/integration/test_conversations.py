"""Follow-up questions: a conversation's last turn in DynamoDB (moto), owned by one key."""

from __future__ import annotations

from typing import Any

import pytest

from gluekb.adapters.conversation_store import DynamoDbConversationStore
from gluekb.errors import NotFound
from gluekb.models.auth import Principal
from gluekb.models.conversations import Turn
from gluekb.services.query.answers.conversations import Conversations, refers_back
from gluekb.services.query.answers.models import Answer, Fact, SourceRef

FIREWALL = SourceRef(
    id="itglue:configurations:1", title="ACME-FW01", type="configuration", organization_id="1001"
)


def key(key_id: str) -> Principal:
    return Principal(
        key_id=key_id, name=key_id, organizations=frozenset({"1001"}), scopes=frozenset({"search"})
    )


class Clock:
    now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def answer(found: bool = True) -> Answer:
    facts = [Fact(record=FIREWALL, field="Serial number", value="FG200FTK31W90JPK")]
    return Answer(
        question="acme fw serial",
        found=found,
        kind="attribute",
        organization={"id": "1001", "name": "Acme Corp"},
        facts=facts if found else [],
        sources=[FIREWALL] if found else [],
    )


@pytest.fixture
def store(moto_stack: dict[str, Any]) -> DynamoDbConversationStore:
    return DynamoDbConversationStore(
        moto_stack["clients"].dynamodb, "gluekb-local-conversations", ttl_s=600, clock=Clock()
    )


def test_a_turn_is_remembered_for_the_key_that_asked(store: DynamoDbConversationStore) -> None:
    # Given a first question answered from ACME-FW01
    conversations = Conversations(store)
    conversation = conversations.record(key("k1"), None, answer(), None, "Serial number")

    # When the same key asks a follow-up in that conversation
    turn = conversations.last_turn(key("k1"), conversation)

    # Then the follow-up sees the record, the organization and the field
    assert turn == Turn(
        organization_id="1001",
        source_ids=[FIREWALL.id],
        attribute="Serial number",
        kind="attribute",
    )


def test_another_key_is_told_the_conversation_does_not_exist(
    store: DynamoDbConversationStore,
) -> None:
    conversations = Conversations(store)
    conversation = conversations.record(key("k1"), None, answer(), None)
    with pytest.raises(NotFound):
        conversations.last_turn(key("k2"), conversation)
    with pytest.raises(NotFound):
        conversations.last_turn(key("k1"), "no-such-conversation")


def test_a_conversation_expires_even_before_dynamodb_deletes_it(
    store: DynamoDbConversationStore,
) -> None:
    conversations = Conversations(store)
    conversation = conversations.record(key("k1"), None, answer(), None)
    assert isinstance(store.clock, Clock)
    store.clock.now += 601
    with pytest.raises(NotFound):
        conversations.last_turn(key("k1"), conversation)


def test_a_miss_keeps_the_subject_of_the_turn_before(store: DynamoDbConversationStore) -> None:
    # Given a conversation about ACME-FW01, then a question nothing answered
    conversations = Conversations(store)
    conversation = conversations.record(key("k1"), None, answer(), None, "Serial number")
    previous = conversations.last_turn(key("k1"), conversation)
    conversations.record(key("k1"), conversation, answer(found=False), previous)

    # Then "and its model?" still refers to ACME-FW01
    assert conversations.last_turn(key("k1"), conversation).source_ids == [FIREWALL.id]


@pytest.mark.parametrize(
    ("text", "leans"),
    [
        ("and its serial?", True),
        ("what depends on it", True),
        ("what about DC02", True),
        ("what is the serial number of ACME-FW01 at Acme", False),
    ],
)
def test_follow_ups_are_recognised_by_their_wording(text: str, leans: bool) -> None:
    assert refers_back(text) is leans
