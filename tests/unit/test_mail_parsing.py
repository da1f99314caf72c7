"""Attachment decoding: the slice-by-slice base64 path gives exactly the stdlib's bytes."""

from __future__ import annotations

import base64
import os
from email import message_from_bytes, policy
from email.message import Message

import pytest

from gluekb.services.mail.parsing import attachment_bytes


def _part(body: bytes) -> Message:
    head = b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    return message_from_bytes(head + body, policy=policy.default)


@pytest.mark.parametrize(
    "body",
    [
        base64.encodebytes(os.urandom(3 * 1024 * 1024 + 1)).replace(b"\n", b"\r\n"),  # CRLF
        base64.encodebytes(os.urandom(100_000)),  # LF only
        base64.b64encode(os.urandom(5000)),  # one long line
        base64.b64encode(os.urandom(5000)).rstrip(b"="),  # padding missing
        base64.b64encode(b"ab") + b"\r\n  \r\n",  # trailing blank lines
        b"",
    ],
)
def test_well_formed_base64_decodes_like_the_stdlib(body: bytes) -> None:
    assert bytes(attachment_bytes(_part(body))) == _part(body).get_payload(decode=True)


@pytest.mark.parametrize(
    "body",
    [
        b"QUJD*REVG\r\n",  # a character outside the alphabet
        b"QUJD\xe9REVG\r\n",  # not even ASCII
        b"QQ==QUJD\r\n",  # data after the padding
        b"QUJDR\r\n",  # one character too many
    ],
)
def test_broken_base64_falls_back_to_the_stdlibs_forgiving_decoder(body: bytes) -> None:
    assert bytes(attachment_bytes(_part(body))) == _part(body).get_payload(decode=True)
