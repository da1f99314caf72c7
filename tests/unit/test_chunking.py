from __future__ import annotations

from gluekb.models.documents import Message, RecordField, RelatedItem, Section, SourceDocument
from gluekb.services.indexing.chunking import BUDGET, approx_tokens, chunk_document
from gluekb.services.text.html import html_to_text


def _doc(**kwargs: object) -> SourceDocument:
    base: dict[str, object] = {
        "source_id": "itglue:configuration:42",
        "organization_id": "1001",
        "source_type": "configuration",
        "kind": "record",
        "title": "ACME-FW01",
    }
    return SourceDocument.model_validate(base | kwargs)


def test_a_configuration_becomes_one_record_card_with_its_identifiers() -> None:
    doc = _doc(
        fields=[
            RecordField(name="Type", value="Firewall"),
            RecordField(name="Primary IP", value="10.20.0.1"),
            RecordField(name="Serial", value="FGT60FTK20001234"),
        ],
        related=[
            RelatedItem(
                source_id="itglue:flexible_asset:7", name="Internet", relation="tagged in Network"
            )
        ],
        identifiers={
            "ip": ["10.20.0.1"],
            "serial": ["fgt60ftk20001234"],
            "hostname": ["acme-fw01"],
        },
        metadata={"organization_name": "Acme Corp", "type_label": "Firewall"},
        notes="<p>Managed by NOC. Console at https://fw01.acme.local</p>",
    )
    chunks = chunk_document(doc)
    card = chunks[0]
    assert card.text.splitlines()[:2] == ["ACME-FW01", "Firewall at Acme Corp"]
    assert "Primary IP: 10.20.0.1" in card.text
    assert "Related: Internet (tagged in Network)" in card.text
    assert card.identifiers["serial"] == ["fgt60ftk20001234"]
    assert card.chunk_id == "itglue:configuration:42#0"
    # the notes follow the card, and their own identifiers are found too
    assert "Managed by NOC" in chunks[1].text
    assert chunks[1].identifiers["hostname"] == ["fw01.acme.local"]
    assert all(c.organization_id == "1001" and c.source_id == doc.source_id for c in chunks)


def test_articles_split_on_headings_and_keep_code_blocks_whole() -> None:
    config = "\n".join(f"set interface port{i} ip 10.0.{i}.1/24" for i in range(12))
    html = (
        "<h2>Overview</h2><p>" + "The firewall protects the office network. " * 30 + "</p>"
        "<h2>Configuration</h2><p>Apply this:</p><pre>" + config + "</pre>"
        "<h3>Rollback</h3><ul><li>Restore the backup</li><li>Reboot</li></ul>"
    )
    doc = _doc(
        kind="article",
        source_type="document",
        title="Firewall runbook",
        sections=[Section(heading="Runbook", level=1, html=html)],
    )
    chunks = chunk_document(doc)
    assert all(approx_tokens(c.text) <= BUDGET for c in chunks)
    code_chunks = [c for c in chunks if "set interface port0" in c.text]
    assert len(code_chunks) == 1 and "set interface port11" in code_chunks[0].text
    assert any(c.title == "Firewall runbook > Runbook > Configuration > Rollback" for c in chunks)
    overview = [c for c in chunks if c.metadata.get("heading") == "Runbook > Overview"]
    assert len(overview) >= 2  # long prose split, with overlap carried over
    first_words = overview[1].text.split()[:3]
    assert " ".join(first_words) in overview[0].text


def test_conversations_are_chunked_by_message() -> None:
    doc = _doc(
        kind="conversation",
        source_type="ticket",
        source_id="ticket:T-1",
        title="VPN down",
        messages=[
            Message(author="bob@acme.com", text="VPN is down since 9am"),
            Message(author="support", text="Restarted the tunnel"),
        ],
    )
    chunks = chunk_document(doc)
    assert [c.text.splitlines()[-1] for c in chunks] == [
        "VPN is down since 9am",
        "Restarted the tunnel",
    ]


def test_markdown_files_split_by_heading_and_keep_fences() -> None:
    content = "# Backups\n\nNightly at 2am.\n\n## Restore\n\n```bash\nrestic restore latest\n```\n"
    doc = _doc(
        kind="file",
        source_type="git_file",
        source_id="git:r:docs/backup.md",
        title="docs/backup.md",
        path="docs/backup.md",
        language="markdown",
        content=content,
    )
    chunks = chunk_document(doc)
    assert [c.metadata["heading"] for c in chunks] == [
        "docs/backup.md > Backups",
        "docs/backup.md > Backups > Restore",
    ]
    assert "```\nrestic restore latest\n```" in chunks[1].text


def test_empty_and_huge_inputs_never_fail() -> None:
    assert [c.text for c in chunk_document(_doc(kind="article", title="Empty"))] == ["Empty"]
    huge = "word " * 1_000_000  # ~5 MB
    chunks = chunk_document(
        _doc(kind="file", source_type="git_file", title="big.txt", language="text", content=huge)
    )
    assert 0 < len(chunks) <= 2000


def test_html_to_text_is_readable() -> None:
    html = (
        "<html><style>x{}</style><body><h1>Hi</h1>"
        "<p>Line&nbsp;one<br>two</p><ul><li>a</li></ul></body></html>"
    )
    assert html_to_text(html) == "Hi\n\nLine one\ntwo\n- a"
