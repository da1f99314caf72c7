"""The part of an email someone actually wrote: quoted replies and signatures trimmed.

Used for the ticket's message text, classification and the search index (the untrimmed
message stays in the mail bucket). Conservative on purpose: when trimming would leave nothing,
the text is kept as it was; forwarded mail keeps the forwarded content.
"""

from __future__ import annotations

import re

# A line that introduces the quoted message in a reply, in the clients and languages seen most.
_REPLY_HEADER = re.compile(
    r"^\s*(?:"
    r"On\b.{0,300}\bwrote\s*:"  # Gmail, Apple Mail, Thunderbird
    r"|-{2,}\s*Original Message\s*-{2,}"  # Outlook (plain)
    r"|-{2,}\s*Reply message\s*-{2,}"
    r"|Le\b.{0,300}\ba\s+écrit\s*:"
    r"|Am\b.{0,300}\bschrieb.{0,120}:"
    r"|El\b.{0,300}\bescribió\s*:"
    r"|Op\b.{0,300}\bschreef.{0,120}:"
    r"|Il giorno\b.{0,300}\bha scritto\s*:"
    r")\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Von|De|Van|Da)\s*:\*?\s+\S", re.IGNORECASE)
_OUTLOOK_NEXT = re.compile(
    r"^\s*\*?(Sent|Date|Gesendet|Envoyé|Enviado|Verzonden|Inviato|To|An|À)\s*:", re.IGNORECASE
)
_SEPARATOR = re.compile(r"^\s*_{8,}\s*$")
_SIGNATURE_DELIMITER = re.compile(r"^(--|__|-- )\s*$")
_MOBILE_FOOTER = re.compile(
    r"^\s*(Sent from my \w+|Sent from (Mail|Outlook) for \w+|Get Outlook for \w+|"
    r"Sent from Yahoo Mail|Von meinem \w+ gesendet|Envoyé de mon \w+)\b.*$",
    re.IGNORECASE,
)
_VALEDICTION = re.compile(
    r"^\s*((best|kind|warm|many)\s+(regards|wishes|thanks)|regards|thanks( again| so much)?|"
    r"thank you( very much)?|cheers|sincerely|yours( truly| sincerely)?|br|"
    r"mit freundlichen grüßen|viele grüße|cordialement|met vriendelijke groet)[\s,.!]*$",
    re.IGNORECASE,
)
_FORWARD_MARKER = re.compile(
    r"^\s*(-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:|"
    r"-{2,}\s*Weitergeleitete Nachricht\s*-{2,})",
    re.IGNORECASE | re.MULTILINE,
)
SIGNATURE_MAX_LINES = 6
SIGNATURE_MAX_LINE_CHARS = 80


def is_forward_subject(subject: str) -> bool:
    return bool(re.match(r"^\s*(fwd?|fw|wg|tr|rv|doorst)\s*:", subject, re.IGNORECASE))


def strip_subject_prefixes(subject: str) -> str:
    """'RE: Fwd: AW: printer' -> 'printer' (for display and classification)."""
    previous = None
    while previous != subject:
        previous = subject
        subject = re.sub(
            r"^\s*(re|aw|sv|antw|fwd?|fw|wg|tr|rv)(\[\d+\])?\s*:\s*", "", subject, flags=re.I
        )
    return subject.strip()


def _reply_header_at(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _REPLY_HEADER.match(line):
        return True
    # "On Tue, 21 Nov 2026 at 09:14, Jane Doe <" / "jane@acme.com> wrote:" wraps over two lines.
    if index + 1 < len(lines) and _REPLY_HEADER.match(f"{line} {lines[index + 1]}"):
        return True
    if _SEPARATOR.match(line) and index + 1 < len(lines) and _OUTLOOK_FROM.match(lines[index + 1]):
        return True
    if _OUTLOOK_FROM.match(line):
        following = lines[index + 1 : index + 4]
        return sum(1 for f in following if _OUTLOOK_NEXT.match(f)) >= 1
    return False


def trim_reply(text: str, *, forwarded: bool = False) -> str:
    """The new text of a message: up to the first reply header, without quoted (`>`) lines,
    mobile footers or a trailing signature block. In a forward, the forwarded content is the
    point of the message: only the note above it is trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    marker = _FORWARD_MARKER.search(text)
    if marker is not None:
        note = _trim_written(text[: marker.start()].split("\n"))
        forwarded_part = text[marker.start() :].strip()
        return f"{note}\n\n{forwarded_part}".strip()
    if forwarded:
        return text.strip()
    return _trim_written(text.split("\n")) or text.strip()


def _trim_written(lines: list[str]) -> str:
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _reply_header_at(lines, index) or _SIGNATURE_DELIMITER.match(line):
            break
        if line.lstrip().startswith(">") or _MOBILE_FOOTER.match(line):
            continue
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(_drop_signature_block(kept))).strip()


def _drop_signature_block(lines: list[str]) -> list[str]:
    """'Thanks,\\nJane Doe\\nIT Manager\\n+1 555 ...' keeps 'Thanks,' and drops what follows,
    when what follows is a few short lines (a name and contact details, not more text)."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    start = max(0, len(lines) - SIGNATURE_MAX_LINES - 1)
    for index in range(len(lines) - 1, start - 1, -1):
        if _VALEDICTION.match(lines[index]):
            tail = [t for t in lines[index + 1 :] if t.strip()]
            if len(tail) <= SIGNATURE_MAX_LINES and all(
                len(t) <= SIGNATURE_MAX_LINE_CHARS for t in tail
            ):
                return lines[: index + 1]
            break
    return lines


# A ticket's token in a subject: '[#T-1042]'. Replies carry it back.
SUBJECT_TOKEN = re.compile(r"\[#(T-[1-9][0-9]{0,11})\]", re.IGNORECASE)


def subject_token(subject: str) -> str | None:
    found = SUBJECT_TOKEN.search(subject)
    return found.group(1).upper() if found else None


def tag_subject(ticket_id: str, subject: str) -> str:
    """'[#T-1042] subject' (the token replies carry back), once."""
    if subject_token(subject) == ticket_id:
        return subject
    return f"[#{ticket_id}] {subject}".strip()
