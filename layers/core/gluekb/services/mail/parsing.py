"""MIME parsing with the standard library (`email`, policy `default`), hardened for whatever
arrives: any declared charset (and wrong ones), broken base64, RFC 2047 headers, nesting.

Nothing here raises for a malformed message; it yields less (and counts defects). Memory stays
bounded for large messages: the raw bytes are fed to the parser in chunks (never held whole),
and each attachment is decoded, handed to `store`, and released before the next one.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import mimetypes
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email import policy
from email.feedparser import BytesFeedParser
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

from gluekb.errors import PayloadTooLarge
from gluekb.models.mail import MailContent, MailHeaders
from gluekb.models.tickets import Attachment, AuthenticationResults, valid_email
from gluekb.services.text.html import html_to_text

MAX_PARTS = 500  # parts walked per message; the rest are ignored (counted as defects)
MAX_DEPTH = 12  # message/rfc822 and multipart nesting followed this deep
MAX_TEXT_CHARS = 1_000_000  # body text kept before trimming
MAX_HTML_CHARS = 2_000_000  # HTML converted to text (more is cut first)
MAX_REFERENCES = 50
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,900})>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Single-byte families a sender's client declares by default even when it wrote UTF-8.
_DEFAULTED_CHARSETS = {"ascii", "iso8859_1", "cp1252", "iso8859_15"}

StoreAttachment = Callable[[int, str, str, bytes | bytearray, bool, str | None], Attachment]
"""(index, filename, content type, data, inline, content id) -> the stored attachment."""


# ---------------------------------------------------------------- reading
def read_message(chunks: Iterable[bytes], max_bytes: int) -> EmailMessage:
    """Feed raw MIME to the parser chunk by chunk (a 25 MB message is never held twice)."""
    parser = BytesFeedParser(policy=policy.default)
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > max_bytes:
            raise PayloadTooLarge(f"message is larger than {max_bytes} bytes")
        parser.feed(chunk)
    message = parser.close()
    assert isinstance(message, EmailMessage)
    return message


def clean_text(value: str) -> str:
    """Text safe for JSON and DynamoDB: undecodable bytes (surrogates) re-decoded, controls out."""
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raw = value.encode("utf-8", "surrogateescape")
        value = decode_bytes(raw, None)
    value = value.encode("utf-8", "replace").decode("utf-8")
    return _CONTROL.sub("", value)


def _one_line(value: str) -> str:
    return " ".join(clean_text(value).split())


def header(message: Message, name: str) -> str | None:
    """The first value of a header, decoded (RFC 2047), never raising."""
    try:
        value = message.get(name)
        if value is None:
            return None
        return _one_line(str(value))
    except Exception:  # a malformed header is read raw instead
        return _raw_header(message, name)


def headers_all(message: Message, name: str) -> list[str]:
    try:
        return [_one_line(str(v)) for v in message.get_all(name) or []]
    except Exception:
        raw = _raw_header(message, name)
        return [raw] if raw is not None else []


def _raw_header(message: Message, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            try:
                return _one_line(str(make_header(decode_header(str(value)))))
            except Exception:
                return _one_line(str(value))
    return None


def message_ids(value: str | None, limit: int = MAX_REFERENCES) -> list[str]:
    """Message-IDs in a header, without angle brackets, in order (the last `limit`)."""
    if not value:
        return []
    found = _MESSAGE_ID.findall(value)
    if not found:
        token = value.strip().strip("<>").split()
        found = [token[0]] if token and "@" in token[0] else []
    unique = list(dict.fromkeys(found))
    return unique[-limit:]


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses(values)
    except Exception:
        return []
    found: list[tuple[str, str]] = []
    for name, address in pairs:
        try:
            found.append((name.strip(), valid_email(address)))
        except ValueError:
            continue
    return found


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_VERDICT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)


def authentication_results(message: Message, trusted_authserv_id: str) -> AuthenticationResults:
    """SES's verdict headers. Only the receiving MTA's own are read: SES prepends its headers,
    so the first occurrence is its; a sender's forged copies further down are ignored."""
    results = AuthenticationResults(
        spam=_verdict(header(message, "X-SES-Spam-Verdict")),
        virus=_verdict(header(message, "X-SES-Virus-Verdict")),
    )
    for value in headers_all(message, "Authentication-Results")[:1]:
        authserv, _, rest = value.partition(";")
        if authserv.strip().lower() != trusted_authserv_id.lower():
            continue
        for method, result in _VERDICT.findall(rest):
            if getattr(results, method.lower()) is None:
                setattr(results, method.lower(), result.upper())
    if results.spf is None:
        received_spf = header(message, "Received-SPF")
        if received_spf:
            results.spf = received_spf.split()[0].upper()
    return results


def _verdict(value: str | None) -> str | None:
    return value.split()[0].upper() if value and value.split() else None


def read_headers(
    message: EmailMessage, *, fallback_id: str, trusted_authserv_id: str
) -> MailHeaders:
    ids = message_ids(header(message, "Message-ID"), 1)
    from_pairs = _addresses(headers_all(message, "From") or headers_all(message, "Sender"))
    reply_pairs = _addresses(headers_all(message, "Reply-To"))
    auto = header(message, "Auto-Submitted")
    precedence = header(message, "Precedence")
    suppress = (header(message, "X-Auto-Response-Suppress") or "").lower()
    return_path = header(message, "Return-Path")
    try:
        content_type = message.get_content_type()
        report_type = (
            message.get_param("report-type") if content_type == "multipart/report" else None
        )
    except Exception:
        content_type, report_type = "text/plain", None
    return MailHeaders(
        message_id=ids[0] if ids else fallback_id,
        message_id_synthesized=not ids,
        subject=header(message, "Subject") or "",
        from_email=from_pairs[0][1] if from_pairs else None,
        from_name=(from_pairs[0][0] or None) if from_pairs else None,
        reply_to=reply_pairs[0][1] if reply_pairs else None,
        to=[a for _, a in _addresses(headers_all(message, "To"))][:50],
        cc=[a for _, a in _addresses(headers_all(message, "Cc"))][:50],
        date=_date(header(message, "Date")),
        in_reply_to=message_ids(header(message, "In-Reply-To"), 5),
        references=message_ids(" ".join(headers_all(message, "References"))),
        authentication=authentication_results(message, trusted_authserv_id),
        auto_submitted=auto.split(";")[0].strip().lower() if auto else None,
        precedence=precedence.strip().lower() if precedence else None,
        null_return_path=return_path is not None and return_path.strip() in ("<>", ""),
        mailing_list=header(message, "List-Id") is not None
        or header(message, "List-Unsubscribe") is not None,
        auto_reply_header=any(
            header(message, name) is not None
            for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply")
        )
        or any(token in suppress for token in ("oof", "all", "autoreply")),
        content_type=content_type,
        report_type=str(report_type).lower() if isinstance(report_type, str) else None,
        defects=len(message.defects),
    )


# ---------------------------------------------------------------- text
def _codec(name: str | None) -> str | None:
    if not name:
        return None
    cleaned = name.strip().strip("\"'").lower()
    try:
        info = codecs.lookup(cleaned)
    except (LookupError, ValueError):
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Bytes in a declared (possibly wrong or unknown) charset -> text, never raising.

    Order: ASCII as is; UTF-8 when the bytes are valid UTF-8 and the declared charset is a
    single-byte default (clients declare those for UTF-8 bodies); the declared charset; UTF-8;
    Windows-1252; Latin-1 (which decodes anything)."""
    if data.isascii():
        return data.decode("ascii")
    codec = _codec(declared)
    utf8: str | None
    try:
        utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        utf8 = None
    if utf8 is not None and (codec is None or codec.replace("-", "_") in _DEFAULTED_CHARSETS):
        return utf8
    if codec is not None:
        try:
            return data.decode(codec)
        except Exception:  # noqa: S110 - a wrong declaration falls through to guesses
            pass
    if utf8 is not None:
        return utf8
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_BASE64_SLICE_CHARS = 1024 * 1024
_BASE64_WHITESPACE = b" \t\r\n"


def _streamed_base64(payload: str) -> bytearray | None:
    """Well-formed base64 text decoded slice by slice. The stdlib first splits the whole
    payload into lines and joins them again (three extra copies of a 25 MB attachment);
    None when the payload is not clean base64, for the stdlib's forgiving decoder to handle."""
    out = bytearray()
    carry = b""
    try:
        for start in range(0, len(payload), _BASE64_SLICE_CHARS):
            piece = payload[start : start + _BASE64_SLICE_CHARS].encode("ascii")
            piece = carry + piece.translate(None, _BASE64_WHITESPACE)
            usable = len(piece) - len(piece) % 4
            out += binascii.a2b_base64(piece[:usable], strict_mode=True)
            carry = piece[usable:]
        if carry:  # missing padding: added, as the stdlib does
            out += binascii.a2b_base64(carry + b"==="[: 4 - len(carry)], strict_mode=True)
    except (UnicodeEncodeError, binascii.Error):
        return None
    return out


def attachment_bytes(part: Message) -> bytes | bytearray:
    """An attachment's decoded bytes, with as few copies as possible (they can be 25 MB)."""
    try:
        cte = str(part.get("content-transfer-encoding", "")).strip().lower()
        payload = part.get_payload()
    except Exception:
        return _part_bytes(part)
    if cte == "base64" and isinstance(payload, str):
        decoded = _streamed_base64(payload)
        if decoded is not None:
            return decoded
    return _part_bytes(part)


def _part_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _part_text(part: Message) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(_part_bytes(part), charset)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str | None:
    try:
        value = part.get_content_disposition()
    except Exception:
        return None
    return value.lower() if isinstance(value, str) else None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        return None
    cleaned = clean_text(str(name)).replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = re.sub(r"[\r\n\t]+", " ", cleaned).strip(". ")
    return cleaned[:150] or None


def _content_id(part: Message) -> str | None:
    ids = message_ids(header(part, "Content-ID"), 1)
    return ids[0] if ids else None


def _is_body_text(part: Message) -> bool:
    kind = _content_type(part)
    return (
        kind in ("text/plain", "text/html")
        and _disposition(part) != "attachment"
        and _filename(part) is None
    )


class _Walker:
    def __init__(self, store: StoreAttachment | None) -> None:
        self.store = store
        self.texts: list[tuple[str, bool]] = []  # (text, was html)
        self.attachments: list[Attachment] = []
        self.parts = 0
        self.skipped = 0
        self.size = 0

    def walk(
        self, part: Message, depth: int = 0, *, text: bool = True, attach: bool = True
    ) -> None:
        """`text`: collect body text here; `attach`: store attachments (not inside an attached
        message, which is stored whole)."""
        self.parts += 1
        if self.parts > MAX_PARTS or depth > MAX_DEPTH:
            self.skipped += 1
            return
        kind = _content_type(part)
        if part.is_multipart():
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            if kind == "message/rfc822":
                if attach:
                    self._attach(part, kind)
                for inner in children[:1]:
                    if text:
                        self._forwarded_header(inner)
                    self.walk(inner, depth + 1, text=text, attach=False)
                return
            if kind == "multipart/alternative" and children:
                chosen = self._best_alternative(children)
                for child in children:
                    self.walk(child, depth + 1, text=text and child is chosen, attach=attach)
                return
            for child in children:
                self.walk(child, depth + 1, text=text, attach=attach)
            return
        if _is_body_text(part) or kind.startswith("multipart/"):
            if text:
                body = _part_text(part)
                self.texts.append((body, kind == "text/html"))
            return
        self._attach(part, kind)

    def _best_alternative(self, children: list[Message]) -> Message:
        """Plain text if it says something, else HTML, else whatever comes last (RFC 2046)."""
        plain = [c for c in children if _content_type(c) == "text/plain"]
        if plain and _part_text(plain[0]).strip():
            return plain[0]
        html = [c for c in children if _content_type(c) == "text/html"]
        if html:
            return html[0]
        related = [c for c in children if c.is_multipart()]
        return related[0] if related else children[-1]

    def _forwarded_header(self, inner: Message) -> None:
        lines = ["---------- Attached message ----------"]
        for name in ("From", "Date", "Subject"):
            value = header(inner, name)
            if value:
                lines.append(f"{name}: {value}")
        self.texts.append(("\n".join(lines), False))

    def _attach(self, part: Message, kind: str) -> None:
        if self.store is None:
            return
        if kind == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            data: bytes | bytearray = b""
            if isinstance(inner, Message):
                try:
                    data = inner.as_bytes()
                except Exception:  # an unserialisable inner message is kept as text
                    data = str(inner).encode("utf-8", "replace")
        else:
            data = attachment_bytes(part)
            part.set_payload("")  # release the encoded copy before the decoded one is stored
        index = len(self.attachments) + 1
        name = _filename(part)
        if name is None:
            if kind == "message/rfc822":
                extension = ".eml"
            else:
                extension = mimetypes.guess_extension(kind, strict=False) or ".bin"
            name = f"attachment-{index}{extension}"
        content_id = _content_id(part)
        inline = _disposition(part) == "inline" or (
            content_id is not None and _disposition(part) != "attachment"
        )
        self.attachments.append(self.store(index, name, kind, data, inline, content_id))
        self.size += len(data)


def read_content(message: EmailMessage, store: StoreAttachment | None) -> MailContent:
    """The readable body text and the attachments (stored through `store` one at a time)."""
    walker = _Walker(store)
    walker.walk(message)
    pieces: list[str] = []
    html_only = bool(walker.texts) and all(is_html for _, is_html in walker.texts)
    for body, is_html in walker.texts:
        if is_html:
            body = html_to_text(body[:MAX_HTML_CHARS])
        body = clean_text(body.replace("\r\n", "\n").replace("\r", "\n")).strip()
        if body:
            pieces.append(body)
    text = "\n\n".join(pieces)
    truncated = len(text) > MAX_TEXT_CHARS or walker.skipped > 0
    return MailContent(
        text=text[:MAX_TEXT_CHARS],
        html_only=html_only,
        attachments=walker.attachments,
        truncated=truncated,
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
