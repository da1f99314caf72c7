"""Which of a record's fields answer a question.

A field is chosen by what its *name* means, over every field the record has (configurations,
interfaces, flexible-asset traits, contacts, locations, domains, password metadata), in two ways:

- IT vocabulary: concepts ("ip", "serial", "retention", "registrar", ...) that technicians name
  in many ways ("s/n", "service tag"; "how long do we keep backups"; "who is it registered
  with") and that field names spell their own way ("Serial number", "Retention", "Registrar");
- the field's own words: a flexible-asset trait such as "Circuit id" or "Inbound delivery" is
  found by the words of its name, whatever the asset type, with the same typo tolerance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gluekb.models.documents import RecordField
from gluekb.services.query.reading.language import (
    STOPWORDS,
    phrase_in,
    same_word,
    synonyms,
    terms,
    wordset,
)


@dataclass(frozen=True)
class Concept:
    name: str
    phrases: tuple[tuple[str, ...], ...]  # how questions say it (terms)
    labels: tuple[str, ...]  # field-name patterns (regex, lower case, anchored at start)
    resource_types: tuple[str, ...] = ()  # only on these record types (empty: any)


def _c(name: str, phrases: str, labels: str, types: str = "") -> Concept:
    return Concept(
        name,
        tuple(tuple(terms(p)) for p in phrases.split("|")),
        tuple(labels.split("|")),
        tuple(types.split()) if types else (),
    )


CONCEPTS: tuple[Concept, ...] = (
    _c("public ip", "public ip|wan ip|external ip|static ip|internet ip|outside ip|wan address|"
       "public address|external address", r"public ip|interface wan"),
    _c("oob", "oob|out of band|oob ip|management port|remote management|lights out|"
       "out of band management|management ip|management interface|remote console",
       r"interface ilo|interface idrac"),
    _c("interface", "interface|port|nic|adapter|network card|network adapter", r"interface"),
    _c("ip", "ip|ip address|address ip|addressed", r"primary ip|interface|public ip",
       "configurations flexible_assets"),
    _c("mac", "mac|mac address|hardware address|physical address|mac addr",
       r"mac address|interface"),
    _c("serial", "serial|serial number|service tag|serial num", r"serial"),
    _c("asset tag", "asset tag|asset number|tag number|inventory tag", r"asset tag"),
    _c("model", "model|model number|make and model|hardware model|what kind|what model",
       r"model|manufacturer"),
    _c("manufacturer", "manufacturer|make|made by|vendor|maker|who make",
       r"manufacturer|vendor", "configurations flexible_assets"),
    _c("operating system", "operating system|os version|windows version|software version|"
       "fortios|what version of windows|running", r"operating system"),
    _c("version", "version|release|build|what version", r"version|operating system"),
    _c("software version", "version|what version", r"notes", "configurations"),
    _c("hostname", "hostname|host name|computer name|dns name|device name|machine name",
       r"hostname"),
    _c("gateway", "gateway|default gateway|default route|next hop", r"default gateway|gateway"),
    _c("subnet", "subnet|ip subnet|network address|address space|scope|cidr|ip scheme|"
       "addressing", r"subnet"),
    _c("vlan", "vlan|vlan id|vlan number|vlan tag", r"vlan"),
    _c("dhcp", "dhcp|dhcp server|hands out addresses|hand out|hands out|give out|gives out|"
       "hands out ip|issues addresses", r"dhcp"),
    _c("location", "location|where|located|which office|which site|physically|what site|"
       "sits", r"location|site"),
    _c("address", "address|street|street address|mailing address|postal address|zip|where|"
       "located|directions", r"address", "locations"),
    _c("warranty", "warranty|warranty expire|coverage|support contract|under warranty|"
       "warranty end|warranty date|end date|run out|runs out|out of warranty", r"warranty"),
    _c("expire", "expire|expire date|expire on|renewal date|renew date|due for renewal|"
       "lapse|end date|run out|runs out|up for renewal|good until|valid until",
       r"expires|warranty expires"),
    _c("date", "date|when|what date|which date|how old|age",
       r"warranty expires|expires|installed|purchased|password changed"),
    _c("registrar", "registrar|registered with|registered at|registered through|domain host|"
       "domain registrar|bought from|who is it registered", r"registrar"),
    _c("mobile", "mobile|mobile number|mobile phone|cell number",
       r"phone \(mobile|phone \(cell|mobile|cell"),
    _c("phone", "phone|phone number|number|call|extension|reach", r"phone"),
    _c("fax", "fax|fax number", r"fax"),
    _c("email address", "email address|email|address email|reach by email|mail address",
       r"email \(", "contacts"),
    _c("title", "title|job title|role|position|job", r"title", "contacts"),
    _c("contact type", "contact type|type of contact|kind of contact", r"contact type"),
    _c("username", "username|user name|login|user|account name|log in as|sign in as|user id",
       r"username"),
    _c("url", "url|web interface|admin page|login page|web ui|console|address url|"
       "management url|admin url|where do i log in|site url", r"url|webmail url"),
    _c("password changed", "last changed|changed|rotated|last rotated|updated|age|"
       "last updated|how old", r"password changed"),
    _c("category", "category|kind of password", r"category"),
    _c("belongs to", "belongs to|belong|for which device|what device|which device|for what",
       r"belongs to"),
    _c("provider", "provider|internet provider|who provides internet|isp name|carrier",
       r"provider"),
    _c("circuit", "circuit|circuit id|circuit number|circuit ref", r"circuit"),
    _c("bandwidth", "bandwidth|how fast|throughput|download|upload|internet bandwidth|"
       "line speed|plan", r"bandwidth"),
    _c("ssid", "ssid|wireless name|network name|wireless network name|name of the wireless",
       r"ssid"),
    _c("security", "security|encryption|wireless security|auth type|authentication",
       r"security"),
    _c("pre shared key", "pre shared key|wireless password|wireless key|key", r"pre shared key"),
    _c("access points", "access point|which access point", r"access points"),
    _c("retention", "retention|retain|keep|kept|how long|retention policy|history|"
       "restore point|how far back", r"retention"),
    _c("backup software", "backup software|backup product|backup tool|backup solution|"
       "software|product|tool", r"backup software"),
    _c("backup server", "backup server|backup repository|backup target", r"backup server"),
    _c("protected", "protected|protected server|backed up|covered|included|in the backup|"
       "which server", r"protected"),
    _c("runbook", "runbook|documentation|doc|document|procedure|kb", r"runbook|documentation"),
    _c("service account", "service account|backup account|veeam account", r"service account"),
    _c("email platform", "email platform|email system|email provider|email hosted|hosted|"
       "platform|what email|which email|email service|type", r"type", "flexible_assets"),
    _c("webmail", "webmail|owa|outlook web|web mail|email url|webmail url", r"webmail"),
    _c("inbound", "inbound|mx|spam filter|email filter|email filtering|email flow|"
       "inbound delivery|filtering|email security|email gateway|spam", r"inbound"),
    _c("email servers", "email server|exchange server", r"email servers"),
    _c("domains", "domain|domains|email domain", r"domains", "flexible_assets"),
    _c("admin credentials", "admin|admin credentials|admin account|global admin|"
       "administrator|admin login", r"admin credentials"),
    _c("application servers", "application server|app server|server|host|run on|runs on|"
       "hosted on|installed on|live on", r"application servers"),
    _c("database server", "database|database server|sql|sql server|db server|backend",
       r"database server"),
    _c("vendor support", "vendor support|support contact|support|who do we call|support desk|"
       "support number|escalate to|escalation", r"vendor support"),
    _c("key users", "key user|user|who use|power user|champion|super user", r"key users"),
    _c("description", "description|what do they do|what does it do|what do they make|business|"
       "industry|overview|about|summary|kind of business|what kind of company|what kind of "
       "business|line of work|describe|how big|size|headcount|compliance|regulated|regulation|"
       "hipaa|pci|purpose", r"description"),
    _c("short name", "short name|abbreviation|prefix|code", r"short name"),
    _c("status", "status|state|condition", r"status"),
    _c("type", "type|kind|what kind of device|device type", r"type"),
    _c("installed", "installed|install date|deployed|go live|went in", r"installed"),
    _c("purchased", "purchased|purchase date|bought|acquired|buy", r"purchased"),
    _c("assigned", "assigned|assigned to|whose|owner|owned|who has|belongs to|user",
       r"contact", "configurations"),
    _c("person", "who|person|contact", r"contact|key users|vendor support", "configurations "
       "flexible_assets"),
    _c("primary location", "primary location|main location|main office|headquarters",
       r"primary location"),
    _c("important", "important|main contact|primary contact|key contact", r"important"),
    _c("alert", "alert|warning|heads up", r"alert"),
    _c("notes", "notes|note|role|purpose|used for|what does it do|function|job|what is it for",
       r"notes"),
    _c("sql version", "sql version|sql server version|sql edition|sql instance|database version|"
       "database edition|which sql", r"notes"),
    _c("vpn port", "vpn port|ssl vpn port|port for ssl vpn|port for vpn|vpn listen|ssl vpn",
       r"notes"),
)  # fmt: skip


@dataclass(frozen=True)
class FieldMatch:
    field: RecordField
    score: float  # 0..1
    by: str  # the concept or "words"
    words: frozenset[int]  # positions of the question's terms the field name explains


_PHRASES = sorted(
    ((phrase, concept) for concept in CONCEPTS for phrase in concept.phrases),
    key=lambda item: -len(item[0]),
)


def concepts_in(question_terms: list[str]) -> list[tuple[Concept, tuple[int, int]]]:
    """Concepts the question names, longest phrase first, each with its term span."""
    return list(_concepts_in(tuple(question_terms)))


@lru_cache(maxsize=256)
def _concepts_in(question_terms: tuple[str, ...]) -> tuple[tuple[Concept, tuple[int, int]], ...]:
    found: list[tuple[Concept, tuple[int, int]]] = []
    sequence = list(question_terms)
    for phrase, concept in _PHRASES:
        start = phrase_in(phrase, sequence)
        if start >= 0:
            found.append((concept, (start, start + len(phrase))))
    return tuple(found)


def _label_terms(name: str) -> list[str]:
    return [t for t in terms(re.sub(r"\(.*?\)", "", name)) if t not in STOPWORDS]


def _numbered(label_word: str, said: str) -> bool:
    """ "wan" names the port "wan1" (a name and its number)."""
    return label_word.startswith(said) and label_word[len(said) :].isdigit() and len(said) >= 2


def _own_words(name: str, question_terms: list[str], usable: set[int]) -> tuple[float, set[int]]:
    """How much of the field's name the question says (all of it: 1.0), and where."""
    label = _label_terms(name)
    if not label:
        return 0.0, set()
    used: set[int] = set()
    for word in label:
        for position in sorted(usable):
            said = question_terms[position]
            if any(same_word(word, other) for other in synonyms(said)) or _numbered(word, said):
                used.add(position)
                break
        else:
            continue
    matched = len(used)
    return (matched / len(label)) if matched else 0.0, used


def _concept_match(
    name: str, spans: list[tuple[Concept, tuple[int, int]]]
) -> tuple[float, str, set[int]]:
    """The strongest concept naming this field (longer phrases are stronger, and a concept's
    first field pattern is its main field: "ip" -> "Primary IP" before the interfaces), and
    every word of every concept that names it ("warranty end date", "fortios version")."""
    best: tuple[float, str] = (0.0, "")
    words: set[int] = set()
    for concept, (start, end) in spans:
        for order, pattern in enumerate(concept.labels):
            if re.match(pattern, name):
                strength = 0.8 + 0.05 * min(end - start, 4) + (0.02 if order == 0 else 0.0)
                best = max(best, (strength, concept.name))
                words |= set(range(start, end))
                break
    return best[0], best[1], words


def match_fields(
    fields: list[RecordField],
    question_terms: list[str],
    usable: set[int],
    resource_type: str,
    explained: set[int] = frozenset(),  # type: ignore[assignment]
) -> list[FieldMatch]:
    """Every field with something in the question pointing at it, best first. `usable` are
    the positions of terms not already spent naming the record or the organization; a concept
    may also lean on words that named the record ("inbound email filtering" on the Email
    asset) as long as one of its words is usable."""
    spans = [
        (c, span)
        for c, span in concepts_in(question_terms)
        if set(range(*span)) & usable
        and set(range(*span)) <= usable | explained
        and (not c.resource_types or resource_type in c.resource_types)
    ]
    matches: list[FieldMatch] = []
    for record_field in fields:
        strength, by, spent = _concept_match(record_field.name.lower(), spans)
        coverage, used = _own_words(record_field.name, question_terms, usable)
        if strength:
            # Words of the field's own name beyond the concept ("wan1", "Wi-Fi") make it the
            # more specific choice.
            extra = used - spent
            score = strength + (0.06 if extra else 0.0)
            words = spent | extra
        elif coverage:
            score, by, words = (0.9 if coverage >= 1.0 else 0.5 * coverage), "words", used
        else:
            continue
        matches.append(FieldMatch(record_field, round(score, 4), by, frozenset(words)))
    return sorted(matches, key=lambda m: -m.score)


# Where each concept's fields live (search types): a second, narrower search looks there.
_HINTS: dict[str, tuple[str, ...]] = {
    "registrar": ("domain",),
    "expire": ("domain", "configuration"),
    "address": ("location",),
    "fax": ("location",),
    "primary location": ("location",),
    "title": ("contact",),
    "contact type": ("contact",),
    "email address": ("contact",),
    "mobile": ("contact",),
    "username": ("password",),
    "password changed": ("password",),
    "belongs to": ("password",),
    "ssid": ("flexible_asset",),
    "security": ("flexible_asset",),
    "pre shared key": ("flexible_asset",),
    "retention": ("flexible_asset",),
    "backup software": ("flexible_asset",),
    "protected": ("flexible_asset",),
    "provider": ("flexible_asset",),
    "circuit": ("flexible_asset",),
    "bandwidth": ("flexible_asset",),
    "public ip": ("flexible_asset", "configuration"),
    "email platform": ("flexible_asset",),
    "webmail": ("flexible_asset",),
    "inbound": ("flexible_asset",),
    "subnet": ("flexible_asset",),
    "vlan": ("flexible_asset",),
    "dhcp": ("flexible_asset",),
    "key users": ("flexible_asset",),
    "vendor support": ("flexible_asset",),
    "database server": ("flexible_asset",),
    "application servers": ("flexible_asset",),
    "description": ("organization",),
    "short name": ("organization",),
    "alert": ("organization",),
}


def hinted_types(question_terms_or_question: object) -> list[str]:
    """Search types where the fields a question names live, if it names any."""
    question_terms = getattr(question_terms_or_question, "terms", question_terms_or_question)
    assert isinstance(question_terms, list)
    types: list[str] = []
    for concept, _ in concepts_in(question_terms):
        for kind in _HINTS.get(concept.name, ()):
            if kind not in types:
                types.append(kind)
    return types


# Fields technicians ask about that IT Glue records here do not keep (as far as the card
# shows): asked for and absent, they mean "No data available", not talk to be ignored.
UNKEPT_FIELD_WORDS = wordset(
    """
    nameserver nameservers dns mx spf dkim dmarc cname txt ttl license licence licenses seats
    contract pin tenant cpu ram memory disk disks capacity storage toner ink cartridge runtime
    price cost budget invoice renewal-cost rack rackunit firmware-version bios uptime load
    temperature patch patches patched backup-status mobile cell fax extension
    """
)
