"""HTML → readable text and structural blocks (headings, paragraphs, list items, code, tables).

Built on the standard library's tolerant `html.parser`: malformed markup never raises. Scripts,
styles and comments are dropped; `<pre>`/`<code>` blocks keep their line breaks and indentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

BlockKind = Literal["heading", "paragraph", "item", "code", "row", "quote"]

_BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav",
    "br", "hr", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "blockquote", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "pre", "figure", "figcaption", "address",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template", "svg", "object"}
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")


@dataclass
class Block:
    kind: BlockKind
    text: str
    level: int = 0  # heading level 1-6, list depth


class _BlockParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._buffer: list[str] = []
        self._kind: BlockKind = "paragraph"
        self._level = 0
        self._skip = 0
        self._pre = 0
        self._list_depth = 0
        self._quote = 0
        self._cells: list[str] | None = None

    def _flush(self) -> None:
        raw = "".join(self._buffer)
        self._buffer = []
        if self._kind == "code":
            text = raw.strip("\n")
            if text.strip():
                self.blocks.append(Block("code", text))
        else:
            text = _SPACE.sub(" ", raw).strip()
            text = re.sub(r" *\n *", "\n", text).strip()
            if text:
                kind: BlockKind = (
                    "quote" if self._quote and self._kind == "paragraph" else self._kind
                )
                self.blocks.append(Block(kind, text, self._level))
        self._kind, self._level = "paragraph", 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        if self._skip:
            return
        if tag == "pre":
            self._flush()
            self._pre += 1
            self._kind = "code"
            return
        if self._pre:
            return
        if tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._buffer.append(f" [{alt}] ")
        else:
            self._open(tag)

    def _open(self, tag: str) -> None:
        """A tag outside <pre>: where a block, list, quote, table row or cell starts."""
        if tag in ("ul", "ol"):
            self._flush()
            self._list_depth += 1
        elif tag == "blockquote":
            self._flush()
            self._quote += 1
        elif tag == "tr":
            self._flush()
            self._cells = []
        elif tag in ("td", "th") and self._cells is not None:
            self._buffer = []
        elif tag == "br":
            self._buffer.append("\n")
        elif tag in _BLOCK_TAGS:
            self._flush()
            if tag[0] == "h" and tag[1:].isdigit():
                self._kind, self._level = "heading", int(tag[1])
            elif tag == "li":
                self._kind, self._level = "item", self._list_depth

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag == "pre":
            self._flush()
            self._pre = max(0, self._pre - 1)
            return
        if self._pre:
            return
        if tag in ("td", "th") and self._cells is not None:
            self._cells.append(_SPACE.sub(" ", "".join(self._buffer)).strip())
            self._buffer = []
        elif tag == "tr" and self._cells is not None:
            cells = [c for c in self._cells if c]
            if cells:
                self.blocks.append(Block("row", " | ".join(cells)))
            self._cells = None
        elif tag in ("ul", "ol"):
            self._flush()
            self._list_depth = max(0, self._list_depth - 1)
        elif tag == "blockquote":
            self._flush()
            self._quote = max(0, self._quote - 1)
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_blocks(html: str) -> list[Block]:
    parser = _BlockParser()
    parser.feed(html)
    parser.close()
    return parser.blocks


def blocks_to_text(blocks: list[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            lines += ["", block.text, ""]
        elif block.kind == "item":
            lines.append(f"{'  ' * max(0, block.level - 1)}- {block.text}")
        elif block.kind == "quote":
            lines.append("> " + block.text.replace("\n", "\n> "))
        else:
            lines.append(block.text)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Readable plain text for an HTML body (used for HTML-only mail and document previews)."""
    return blocks_to_text(html_blocks(html))
