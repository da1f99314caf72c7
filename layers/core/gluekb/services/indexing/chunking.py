"""Chunking per source type (not one generic splitter).

- record:       a "record card" (title, type, organization, key fields, identifiers, related
                items) that keeps a configuration's facts together, plus its notes
- article:      split on section and heading structure within a token budget, with overlap;
                code and config blocks are kept whole where they fit
- conversation: one chunk per message (long messages split)
- file:         Markdown/reStructuredText by headings (fenced and literal blocks whole), code by
                top-level definitions, text by paragraphs

Budgets count approximate word pieces (all-MiniLM-L6-v2 reads at most 256; cards aim lower).
Every chunk carries its source's id, organization, type, URL and updated_at, a title that is its
breadcrumb (an IT Glue document's folders, the title, the headings above the chunk) with the
source's own title kept apart (`metadata["document_title"]`), and the identifiers it contains
as exact-match fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from gluekb.models.documents import SourceDocument
from gluekb.models.index import Chunk
from gluekb.services.text.html import Block, html_blocks
from gluekb.services.text.identifiers import extract_identifiers, merge_identifiers

BUDGET = 200
OVERLAP = 32
MAX_CHUNKS_PER_SOURCE = 2000  # a 5 MB document stops here rather than flooding the index
_PIECE = re.compile(r"\w+|[^\w\s]")


def approx_tokens(text: str) -> int:
    """Word pieces, roughly: words and punctuation, long words counting for more."""
    return sum(1 + len(p) // 10 for p in _PIECE.findall(text))


@dataclass
class _Piece:
    text: str
    heading: str | None = None
    code: bool = False


# ---------------------------------------------------------------------------- packing
def _split_long(text: str, budget: int, *, code: bool) -> list[str]:
    """A block longer than the budget: code by lines, prose by sentences, then by words."""
    units = text.split("\n") if code else re.split(r"(?<=[.!?;])\s+|\n+", text)
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for unit in units:
        cost = approx_tokens(unit)
        if cost > budget:  # a single huge line or sentence: cut by words
            words = unit.split(" ")
            for start in range(0, len(words), max(1, budget // 2)):
                parts.append(" ".join(words[start : start + budget // 2]))
            continue
        if current and size + cost > budget:
            parts.append(("\n" if code else " ").join(current))
            current, size = [], 0
        current.append(unit)
        size += cost
    if current:
        parts.append(("\n" if code else " ").join(current))
    return [p for p in parts if p.strip()]


def _tail(text: str, tokens: int) -> str:
    words = text.split()
    kept: list[str] = []
    size = 0
    for word in reversed(words):
        size += approx_tokens(word)
        if size > tokens:
            break
        kept.append(word)
    return " ".join(reversed(kept))


def _pack(pieces: Iterable[_Piece], budget: int, overlap: int) -> list[tuple[str | None, str]]:
    """Pieces → (heading, text) chunks within the budget. A heading change starts a new chunk;
    prose carries an overlap into the next chunk; code is never cut if it fits a chunk."""
    chunks: list[tuple[str | None, str]] = []
    heading: str | None = None
    current: list[str] = []
    size = 0

    def emit() -> None:
        nonlocal current, size
        if current:
            chunks.append((heading, "\n".join(current)))
        current, size = [], 0

    for piece in pieces:
        if piece.heading != heading:
            emit()
            heading = piece.heading
        cost = approx_tokens(piece.text)
        if cost > budget:
            emit()
            for part in _split_long(piece.text, budget, code=piece.code):
                chunks.append((heading, part))
            continue
        if current and size + cost > budget:
            previous = current[-1]
            emit()
            if overlap and not piece.code and not previous.startswith("```"):
                carried = _tail(previous, overlap)
                if carried:
                    current, size = [carried], approx_tokens(carried)
        current.append(f"```\n{piece.text}\n```" if piece.code else piece.text)
        size += cost
    emit()
    return chunks


# ---------------------------------------------------------------------------- shapes
def _heading_path(stack: list[tuple[int, str]]) -> str | None:
    return " > ".join(text for _, text in stack) or None


def _blocks_to_pieces(blocks: Iterable[Block], base: list[tuple[int, str]]) -> list[_Piece]:
    stack = list(base)
    pieces: list[_Piece] = []
    for block in blocks:
        if block.kind == "heading":
            stack = [(lvl, txt) for lvl, txt in stack if lvl < block.level] + [
                (block.level, block.text)
            ]
            continue
        text = block.text
        if block.kind == "item":
            text = f"{'  ' * max(0, block.level - 1)}- {text}"
        elif block.kind == "quote":
            text = f"> {text}"
        pieces.append(_Piece(text, _heading_path(stack), code=block.kind == "code"))
    return pieces


def _text_blocks(text: str) -> list[Block]:
    return [Block("paragraph", p.strip()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def _record_card(doc: SourceDocument, budget: int) -> list[tuple[str | None, str]]:
    header = [doc.title]
    label = doc.metadata.get("type_label") or doc.source_type.replace("_", " ")
    organization = doc.metadata.get("organization_name")
    header.append(f"{label} at {organization}" if organization else label)
    lines = [f"{f.name}: {f.value}" for f in doc.fields if f.value.strip()]
    if doc.related:
        lines.append("Related: " + "; ".join(f"{r.name} ({r.relation})" for r in doc.related))
    cards: list[tuple[str | None, str]] = []
    current = list(header)
    size = approx_tokens("\n".join(current))
    for line in lines:
        cost = approx_tokens(line)
        if len(current) > len(header) and size + cost > budget:
            cards.append((None, "\n".join(current)))
            current = [f"{doc.title} (continued)"]
            size = approx_tokens(current[0])
        current.append(line)
        size += cost
    cards.append((None, "\n".join(current)))
    return cards


def _notes(doc: SourceDocument, budget: int, overlap: int) -> list[tuple[str | None, str]]:
    if not doc.notes or not doc.notes.strip():
        return []
    notes = doc.notes
    blocks = html_blocks(notes) if "<" in notes and ">" in notes else _text_blocks(notes)
    return _pack(_blocks_to_pieces(blocks, [(0, "Notes")]), budget, overlap)


def _article(doc: SourceDocument, budget: int, overlap: int) -> list[tuple[str | None, str]]:
    pieces: list[_Piece] = []
    for section in doc.sections:
        base = [(section.level, section.heading)] if section.heading else []
        blocks = html_blocks(section.html) if section.html else _text_blocks(section.text or "")
        pieces += _blocks_to_pieces(blocks, base)
    return _pack(pieces, budget, overlap)


def _conversation(doc: SourceDocument, budget: int, overlap: int) -> list[tuple[str | None, str]]:
    chunks: list[tuple[str | None, str]] = []
    for message in doc.messages:
        who = message.author or "unknown sender"
        when = f" on {message.sent_at:%Y-%m-%d %H:%M}" if message.sent_at else ""
        head = f"{message.subject}\n" if message.subject else ""
        body = f"{head}From {who}{when}:\n{message.text.strip()}"
        if approx_tokens(body) <= budget:
            chunks.append((message.subject, body))
        else:
            chunks += _pack(
                [_Piece(b.text, message.subject) for b in _text_blocks(body)], budget, overlap
            )
    return chunks


_MD_FENCE = re.compile(r"^(```|~~~)")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+.:_])\1{2,}\s*$")
_CODE_BOUNDARY = re.compile(
    r"^(?:async\s+def|def|class|function|export|public|private|protected|func|fn|impl|struct|"
    r"interface|module|resource|variable|output|locals|provider|data|\w[\w-]*\s*\(\)\s*\{)\b"
)


def _markdown_blocks(content: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    fence: str | None = None
    code: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", "\n".join(paragraph).strip()))
            paragraph.clear()

    lines = content.splitlines()
    for index, line in enumerate(lines):
        if fence:
            if line.strip().startswith(fence):
                blocks.append(Block("code", "\n".join(code)))
                fence, code = None, []
            else:
                code.append(line)
            continue
        opener = _MD_FENCE.match(line.strip())
        heading = _MD_HEADING.match(line)
        if opener:
            flush()
            fence = opener.group(1)
        elif heading:
            flush()
            blocks.append(Block("heading", heading.group(2), len(heading.group(1))))
        elif index + 1 < len(lines) and line.strip() and _RST_UNDERLINE.match(lines[index + 1]):
            flush()
            level = {"=": 1, "-": 2, "~": 3, "^": 4}.get(lines[index + 1].strip()[0], 3)
            blocks.append(Block("heading", line.strip(), level))
        elif _RST_UNDERLINE.match(line) and index > 0 and lines[index - 1].strip():
            continue  # the underline of a reStructuredText heading
        elif not line.strip():
            flush()
        else:
            paragraph.append(line)
    if fence and code:
        blocks.append(Block("code", "\n".join(code)))
    flush()
    return _rst_literal_blocks(blocks)


def _rst_literal_blocks(blocks: list[Block]) -> list[Block]:
    """reStructuredText `::` paragraphs introduce an indented literal block: keep it as code."""
    out: list[Block] = []
    for block in blocks:
        indented = all(line.startswith(("   ", "\t")) for line in block.text.splitlines())
        if block.kind == "paragraph" and out and out[-1].text.endswith("::") and indented:
            out.append(Block("code", block.text))
            continue
        out.append(block)
    return out


def _code_blocks(content: str) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []
    for line in content.splitlines():
        if _CODE_BOUNDARY.match(line) and current and any(c.strip() for c in current):
            blocks.append(Block("code", "\n".join(current).strip("\n")))
            current = []
        current.append(line)
    if any(c.strip() for c in current):
        blocks.append(Block("code", "\n".join(current).strip("\n")))
    return blocks


def _file(doc: SourceDocument, budget: int, overlap: int) -> list[tuple[str | None, str]]:
    content = doc.content or ""
    language = (doc.language or "").lower()
    if language in ("markdown", "md", "rst", "restructuredtext"):
        blocks = _markdown_blocks(content)
    elif language in ("text", "txt", ""):
        blocks = _text_blocks(content)
    else:
        blocks = _code_blocks(content)
    base = [(0, doc.path)] if doc.path else []
    return _pack(_blocks_to_pieces(blocks, base), budget, overlap)


def chunk_document(
    doc: SourceDocument, budget: int = BUDGET, overlap: int = OVERLAP
) -> list[Chunk]:
    cards = 0
    if doc.kind == "record":
        card = _record_card(doc, budget)
        cards = len(card)
        parts = card + _notes(doc, budget, overlap)
    elif doc.kind == "article":
        parts = _article(doc, budget, overlap)
        if doc.notes:
            parts += _notes(doc, budget, overlap)
    elif doc.kind == "conversation":
        parts = _conversation(doc, budget, overlap)
    else:
        parts = _file(doc, budget, overlap)
    if not parts:  # a record with no content still gets found by its title
        parts = [(None, doc.title)]
    chunks = []
    # The breadcrumb: an IT Glue document's folders, its title, then the chunk's headings.
    folders = [doc.metadata["folder_path"]] if doc.metadata.get("folder_path") else []
    for position, (heading, text) in enumerate(parts[:MAX_CHUNKS_PER_SOURCE]):
        headings = [heading] if heading and doc.kind != "record" else []
        title = " > ".join([*folders, doc.title, *headings])
        # A record's card carries the record's own identifiers (not a gateway or DNS server it
        # merely mentions); every other chunk carries the identifiers found in its text.
        if position < cards:
            identifiers = merge_identifiers(doc.identifiers) if position == 0 else {}
        else:
            identifiers = merge_identifiers(extract_identifiers(text))
        metadata = dict(doc.metadata, document_title=doc.title)  # the title is a breadcrumb
        if heading:
            metadata["heading"] = heading
        chunks.append(
            Chunk(
                chunk_id=f"{doc.source_id}#{position}",
                source_id=doc.source_id,
                organization_id=doc.organization_id,
                source_type=doc.source_type,
                title=title,
                text=text,
                url=doc.url,
                updated_at=doc.updated_at,
                position=position,
                identifiers=identifiers,
                metadata=metadata,
                content_hash=Chunk.hash_content(title, text),
            )
        )
    return chunks
