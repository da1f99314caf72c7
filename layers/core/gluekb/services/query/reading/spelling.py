"""Typos in the words that carry a question's meaning ("depnds", "afected", "sevrers",
"modle") corrected against gluekb's own vocabulary: roles, field concepts, intent words,
abbreviations. Names are left alone: they are matched against records with the same typo
tolerance, and a vocabulary word must never replace a person's or a site's name."""

from __future__ import annotations

from functools import cache

from gluekb.services.query.reading.fields import CONCEPTS, UNKEPT_FIELD_WORDS
from gluekb.services.query.reading.language import (
    ABBREVIATIONS,
    STOPWORDS,
    SYNONYMS,
    edit_distance,
    expand,
    raw_words,
    stem,
    typo_limit,
    wordset,
)
from gluekb.services.query.reading.roles import ROLES

# Words of questions that no table above spells out.
_COMMON = wordset(
    """
    depends depend affected affect breaks break goes down offline outage impacted impact
    references referenced linked mentions mention happens happen maintenance servers switches
    printers laptops workstations firewalls routers networks circuits contacts approvers vendors
    domains locations offices sites passwords documents devices applications model warranty
    expiration expires address phone serial number manufacturer version status procedure steps
    reboot restart backup restore configuration checklist onboarding offboarding upgrade
    troubleshooting escalation recovery rotation policy overview safely safe registrar provider
    bandwidth retention subnet gateway interface hostname username location
    """
)


@cache
def vocabulary() -> frozenset[str]:
    words: set[str] = set(_COMMON)
    for role in ROLES:
        for phrase in role.phrases:
            words.update(phrase)
    for concept in CONCEPTS:
        for phrase in concept.phrases:
            words.update(phrase)
    for key, value in ABBREVIATIONS.items():
        words.add(key)
        words.update(value.split())
    for key, values in SYNONYMS.items():
        words.add(key)
        words.update(values)
    return frozenset(w for w in words if w.isalpha())


def correct(word: str) -> str:
    """The vocabulary word one typo away (two for long words), when there is exactly one."""
    known_words = vocabulary()
    if len(word) < 5 or not word.isalpha() or word in STOPWORDS or word in known_words:
        return word
    if stem(word) in known_words:  # a plural or a verb form of a known word
        return word
    limit = typo_limit(word)
    best: list[tuple[int, str]] = []
    for known in vocabulary():
        if known[0] != word[0] or abs(len(known) - len(word)) > limit:
            continue
        distance = edit_distance(word, known, limit)
        if distance <= limit:
            best.append((distance, known))
    best.sort()
    if not best:
        return word
    closest = [known for distance, known in best if distance == best[0][0]]
    if len({tuple(expand(known)) for known in closest}) > 1:
        return word  # "confg": "config" and "conf" both mean configuration; "xxxx": ambiguous
    return closest[0]


def corrected(text: str) -> str:
    return " ".join(correct(w) for w in raw_words(text))


@cache
def head_words() -> frozenset[str]:
    """Words that on their own name a kind of thing or a field ("printer", "serial", "ip"):
    left unexplained, they mean the record lacks what is asked. Words found only inside
    longer phrases ("line" of "line of business") are not."""
    words: set[str] = set()
    for role in ROLES:
        words.update(phrase[0] for phrase in role.phrases if len(phrase) == 1)
    for concept in CONCEPTS:
        words.update(phrase[0] for phrase in concept.phrases if len(phrase) == 1)
    words |= UNKEPT_FIELD_WORDS
    return frozenset(w for w in words if w not in STOPWORDS)
