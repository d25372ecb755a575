"""Sending e-mail over SMTP (aiosmtplib), when COLO_SMTP_HOST is configured.

Colo sends little mail — invitation and set-up links — and never depends on it: a send that
fails (server down, refused, too slow) raises `MailFailed`, and the caller shows the link to the
person who asked instead, so nothing is lost. The SMTP password is never logged, and neither is a
message's content (it carries a one-time link); a failure is logged by its kind only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from colo.logging import get_logger
from colo.settings import Settings

log = get_logger(__name__)


class MailFailed(Exception):
    """The SMTP server did not accept the message (or could not be reached in time)."""


@dataclass(frozen=True, slots=True)
class Mailer:
    """One SMTP server's address, credentials and sender."""

    host: str
    port: int
    sender: str
    starttls: bool = True
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 10.0

    @classmethod
    def of(cls, settings: Settings) -> Mailer | None:
        """The configured mailer, or None when Colo sends no e-mail."""
        if not settings.smtp_host:
            return None
        return cls(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
                   starttls=settings.smtp_starttls, username=settings.smtp_username,
                   password=settings.smtp_password, timeout=settings.smtp_timeout)

    def message(self, *, to: str, subject: str, body: str, language: str) -> EmailMessage:
        """A plain-text message from the configured sender."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2].strip(" >") or None)
        message.set_content(body)
        message["Content-Language"] = language  # after set_content, which drops Content-* headers
        return message

    async def send(self, message: EmailMessage) -> None:
        try:
            await aiosmtplib.send(
                message, hostname=self.host, port=self.port, start_tls=self.starttls,
                use_tls=False, username=self.username or None, password=self.password or None,
                timeout=self.timeout)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            log.warning("e-mail not sent", smtp_host=self.host, smtp_port=self.port, error=type(exc).__name__)
            raise MailFailed(type(exc).__name__) from None
        log.info("e-mail sent", smtp_host=self.host)
