"""Reading questions the way technicians type them: terms, typos, intents, kinds of things and
the fields they ask for."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gluekb.models.catalog import CatalogRecord
from gluekb.models.documents import RecordField
from gluekb.services.query.reading.fields import match_fields
from gluekb.services.query.reading.intent import read_question
from gluekb.services.query.reading.language import same_word, terms
from gluekb.services.query.reading.linking import (
    Candidate,
    name_like_words,
    organization_mentions,
    question_roles,
    score_candidate,
)
from gluekb.services.query.reading.spelling import correct

FIREWALL = CatalogRecord(
    source_id="itglue:configurations:1",
    organization_id="1001",
    resource_type="configurations",
    record_id="1",
    name="ACME-FW01",
    type_label="Firewall",
    content_hash="h",
    raw_key="k",
    synced_at=datetime(2026, 1, 1, tzinfo=UTC),
    fields=[
        RecordField(name="Primary IP", value="10.10.0.1"),
        RecordField(name="MAC address", value="00:09:0F:14:B7:6B"),
        RecordField(name="Serial number", value="FG200FTK31W90JPK"),
        RecordField(name="Model", value="FortiGate 200F"),
        RecordField(name="Warranty expires", value="2029-01-28"),
        RecordField(name="Interface wan1", value="203.0.113.20, 00:09:0F:D2:7F:88"),
        RecordField(name="Interface dmz", value="172.16.10.1, 00:09:0F:51:37:C3"),
    ],
)
ORGANIZATIONS = {"1001": ("Acme Corp", "acme"), "1003": ("Fabrikam", "fabr")}


def test_abbreviations_and_compounds_become_the_words_records_use() -> None:
    assert terms("acme fw creds") == ["acme", "firewall", "credentials"]
    assert terms("how do i back up the fw config") == [
        "how", "do", "i", "backup", "the", "firewall", "configuration",
    ]  # fmt: skip
    assert terms("s/n of the sql box") == ["serial", "of", "the", "sql", "server"]
    assert terms("sql box") == ["sql", "server"]  # a compound at the very end


@pytest.mark.parametrize("text", ["", "   ", "???", "\u0000", "-- ; /*"])
def test_a_question_with_no_words_reads_as_no_terms(text: str) -> None:
    # Found by the API fuzz test: an empty question crashed the reader (HTTP 500)
    assert terms(text) == []
    assert read_question(text).terms == []


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("firewal", "firewall", True),  # one typo
        ("fw1", "fw01", True),  # numbers folded
        ("onboard", "onboarding", True),  # a word form
        ("prn02", "prn03", False),  # names with digits: exact only
        ("contoso.org", "contoso.com", False),  # domains: exact only
        ("onboarding", "offboarding", False),  # two typos, but not in the first letters
    ],
)
def test_typo_tolerance_never_confuses_names_numbers_or_domains(a: str, b: str, same: bool) -> None:
    assert same_word(a, b) is same


def test_typos_in_meaningful_words_are_corrected_but_names_are_not() -> None:
    assert correct("depnds") == "depends"
    assert correct("afected") == "affected"
    assert correct("flores") == "flores"  # a person's name stays
    assert correct("vlans") == "vlans"  # a plural of a known word is not a typo


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("what's the fw ip at acme", "attribute"),
        ("what breaks if NWT-DC01 goes down", "impact"),
        ("what depnds on ACME-DC01", "impact"),
        ("what does the epicor app depend on", "dependency"),
        ("steps to safely reboot the sql box", "procedure"),
        ("fw config backup cmd", "procedure"),
        ("where are the creds for the firewall at acme", "credential"),
        ("ctso veeam svc account", "credential"),
        ("which servers at contoso run sql", "list"),
        ("billing contacts", "list"),
        ("who is the main contact at fabrikam", "contact"),
        ("should we replace ACME-FW01", "out_of_scope"),
        ("when will the acme firewall fail", "out_of_scope"),
        ("globex - anything compliance related i should know about", "attribute"),
    ],
)
def test_what_a_question_wants_is_read_from_its_wording(question: str, intent: str) -> None:
    assert read_question(question).intent == intent


def test_organizations_are_named_by_name_word_or_short_name_with_one_typo() -> None:
    for text, expected in (("fabrikm fw ip", "1003"), ("acme corp dc01", "1001")):
        mentions = organization_mentions(read_question(text), ORGANIZATIONS)
        assert [m.organization_id for m in mentions] == [expected]
    assert organization_mentions(read_question("stark industries fw ip"), ORGANIZATIONS) == []


def test_hostnames_domains_and_addresses_must_be_the_records_own() -> None:
    question = read_question("serial on CTSO-SQL05 and contoso.org")
    assert name_like_words(question) == ["ctso-sql05", "contoso.org"]


def test_a_record_is_named_by_role_and_its_field_by_it_vocabulary() -> None:
    question = read_question("whats the wan mac on the acme fw")
    candidate = Candidate(record=FIREWALL, rank=0)
    spent = {question.terms.index("acme")}
    score_candidate(candidate, question, spent, question_roles(question, spent))
    assert candidate.role == "firewall" and candidate.strong == {question.terms.index("firewall")}
    usable = set(range(len(question.terms))) - spent - candidate.strong
    fields = match_fields(FIREWALL.fields, question.terms, usable, "configurations")
    assert fields[0].field.name == "Interface wan1"


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ("ACME-FW01 s/n", "Serial number"),
        ("warrenty end date on fw01", "Warranty expires"),
        ("dmz interface ip on fw01", "Interface dmz"),
        ("what kind of fortigate is fw01", "Model"),
    ],
)
def test_the_field_that_answers_is_chosen_by_meaning(question: str, field: str) -> None:
    read = read_question(question)
    matches = match_fields(
        FIREWALL.fields, read.terms, set(range(len(read.terms))), "configurations"
    )
    assert matches and matches[0].field.name == field
