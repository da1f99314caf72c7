from __future__ import annotations

from gluekb.services.text.identifiers import extract_identifiers, query_identifiers


def test_identifiers_in_free_text_are_found_and_normalised() -> None:
    text = (
        "FW primary 10.20.0.1 (backup 10.20.0.2), MAC 00-1A-2B-3C-4D-5E and 001a.2b3c.4d5f, "
        "admin: Ops@Acme.com, portal https://fw01.acme.local:4443 and acme.com; ipv6 2001:db8::1. "
        "Not IPs: 1.2.3.4.5, 999.1.1.1; version 7.2.1; file report.pdf"
    )
    found = extract_identifiers(text)
    assert found["ip"] == ["10.20.0.1", "10.20.0.2", "2001:db8::1"]
    assert found["mac"] == ["00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5f"]
    assert found["email"] == ["ops@acme.com"]
    assert found["hostname"] == ["fw01.acme.local"]
    assert "acme.com" in found["domain"]
    assert "report.pdf" not in found.get("domain", [])


def test_queries_also_offer_name_like_tokens_as_hostnames_and_serials() -> None:
    found = query_identifiers("which switch is ACME-SW02 and serial FGT60FTK20001234?")
    assert "acme-sw02" in found["hostname"]
    assert "fgt60ftk20001234" in found["serial"]
    assert "which" not in found.get("hostname", [])
