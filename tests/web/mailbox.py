"""A real SMTP server for tests (aiosmtpd on loopback, in a thread of its own) that keeps every
message it accepts, so a test can read what Colo sent and follow the link in it."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.servers import free_port

LINK = re.compile(r"https?://\S+/welcome\?token=cal_[A-Za-z0-9_-]+")


@dataclass
class Mailbox:
    """What the server received: (recipients, message), in order."""

    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for recipients, message in self.received if address in recipients]

    def wait_for(self, address: str, *, within: float = 20.0) -> EmailMessage:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = self.messages_to(address)
            if found:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no e-mail to {address} within {within} s")


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def link_in(message: EmailMessage) -> str:
    found = LINK.findall(body_of(message))
    assert len(found) == 1, body_of(message)
    return str(found[0])


class SmtpServer:
    """aiosmtpd's Controller on a free loopback port; `stop()` is safe to call twice."""

    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._running = False

    def start(self) -> SmtpServer:
        self._controller.start()
        self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._controller.stop()
            self._running = False

    def env(self) -> dict[str, str]:
        return self.env_for(self.port)

    @staticmethod
    def env_for(port: int) -> dict[str, str]:
        """Colo's settings for sending through a server on this loopback port (plain SMTP)."""
        return {"COLO_SMTP_HOST": "127.0.0.1", "COLO_SMTP_PORT": str(port), "COLO_SMTP_STARTTLS": "false",
                "COLO_SMTP_FROM": "Colo Portal <portal@colo.test>", "COLO_SMTP_TIMEOUT": "5"}
