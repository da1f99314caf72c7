"""Exact identifiers (IP, MAC, e-mail, domain/hostname, serial) found in text, normalised.

Used twice: records and chunks carry them as keyword fields, and a query's identifiers are looked
up exactly so that "who has 10.20.0.1" ranks the record with that IP first.
"""

from __future__ import annotations

import ipaddress
import re

_IPV4 = re.compile(
    r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.])"
)
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_MAC = re.compile(
    r"(?<![\w:-])(?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![\w:-])"
)
_MAC_DOTTED = re.compile(r"(?<![\w.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![\w.])")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?![\w-])")
_FQDN = re.compile(
    r"(?<![\w@.-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{1,62}(?![\w-])"
)
# A host or asset name such as ACME-FW01 or SQL02, or a serial such as FGT60FTK20001234.
_TOKEN = re.compile(r"(?<![\w.-])[A-Za-z0-9][A-Za-z0-9_-]{2,63}(?![\w-])")
_FILE_LIKE = re.compile(
    r"\.(?:pdf|docx?|xlsx?|png|jpe?g|gif|txt|md|rst|py|json|ya?ml|html?|exe|zip)$", re.I
)


def normalise_mac(value: str) -> str:
    digits = re.sub(r"[^0-9A-Fa-f]", "", value).lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _ipv6(candidate: str) -> str | None:
    try:
        address = ipaddress.IPv6Address(candidate)
    except ValueError:
        return None
    return str(address)


def extract_identifiers(text: str) -> dict[str, list[str]]:
    """Identifiers in free text (documents, notes, queries), by kind, lower-case, de-duplicated."""
    found: dict[str, set[str]] = {}

    def add(kind: str, value: str) -> None:
        found.setdefault(kind, set()).add(value.lower())

    for match in _IPV4.finditer(text):
        add("ip", match.group(0))
    for match in _IPV6.finditer(text):
        if normalised := _ipv6(match.group(0)):
            add("ip", normalised)
    for match in _MAC.finditer(text):
        add("mac", normalise_mac(match.group(0)))
    for match in _MAC_DOTTED.finditer(text):
        add("mac", normalise_mac(match.group(0)))
    emails = {m.group(0) for m in _EMAIL.finditer(text)}
    for email in emails:
        add("email", email)
        add("domain", email.rsplit("@", 1)[1])
    for match in _FQDN.finditer(text):
        value = match.group(0).rstrip(".")
        if _FILE_LIKE.search(value) or any(value in e for e in emails) or _IPV4.fullmatch(value):
            continue
        add("hostname" if value.count(".") >= 2 else "domain", value)
    return {kind: sorted(values) for kind, values in sorted(found.items())}


def query_identifiers(text: str) -> dict[str, list[str]]:
    """Identifiers a query may mean exactly: the free-text ones, plus name-like tokens that mix
    letters with digits or dashes (ACME-FW01, SQL02, a serial) as hostname/serial candidates."""
    found = {kind: set(values) for kind, values in extract_identifiers(text).items()}
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        has_digit = any(c.isdigit() for c in token)
        has_alpha = any(c.isalpha() for c in token)
        if has_alpha and (has_digit or "-" in token) and not token.isdigit():
            lowered = token.lower()
            found.setdefault("hostname", set()).add(lowered)
            if has_digit and len(token) >= 6:
                found.setdefault("serial", set()).add(lowered)
    return {kind: sorted(values) for kind, values in sorted(found.items())}


def merge_identifiers(*groups: dict[str, list[str]]) -> dict[str, list[str]]:
    merged: dict[str, set[str]] = {}
    for group in groups:
        for kind, values in group.items():
            merged.setdefault(kind, set()).update(v.lower() for v in values if v)
    return {kind: sorted(values) for kind, values in sorted(merged.items()) if values}
