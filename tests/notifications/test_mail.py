"""Mail goes out through a real SMTP server (aiosmtpd) and is never sent twice."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from mentorloom.notifications.mail import OutboxMailer, SmtpMailer, build_message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Collector:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture()
def smtp_server() -> Iterator[tuple[Controller, Collector]]:
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, collector
    finally:
        controller.stop()


def test_smtp_delivery_keeps_umlauts(smtp_server: tuple[Controller, Collector]) -> None:
    controller, collector = smtp_server
    mailer = SmtpMailer("127.0.0.1", controller.port)
    message = build_message(
        to="jürgen@example.org",
        subject="Einladung für Jürgen",
        body="Grüße aus Köln",
        sender="Mentorloom <m@example.org>",
    )
    mailer.send(message)
    assert len(collector.messages) == 1
    received = message_from_bytes(collector.messages[0], policy=policy.default)
    assert received["Subject"] == "Einladung für Jürgen"
    assert "Grüße aus Köln" in received.get_content()


def test_outbox_writes_eml_files(tmp_path: Any) -> None:
    OutboxMailer(tmp_path).send(build_message(to="a@example.org", subject="Hi", body="Body", sender="m@example.org"))
    (path,) = tmp_path.glob("*.eml")
    assert message_from_bytes(path.read_bytes())["Subject"] == "Hi"


def test_an_umlaut_address_keeps_its_utf8_header_and_an_idn_domain_goes_ascii(tmp_path: Any) -> None:
    message = build_message(to="Jörg Weiß <jörg@bücher.example>", subject="Grüße", body="Hallo", sender="m@example.org")
    OutboxMailer(tmp_path).send(message)
    (path,) = tmp_path.glob("*.eml")
    # An encoded word in an address (=?utf-8?b?…?=@example.org) is delivered by no server.
    assert "To: Jörg Weiß <jörg@xn--bcher-kva.example>".encode() in path.read_bytes().splitlines()
    plain = build_message(to="Jörg <joerg@example.org>", subject="Grüße", body="Hallo", sender="m@example.org")
    assert b"Subject: =?utf-8?" in bytes(plain)  # ASCII addresses keep RFC 2047 headers for any server
