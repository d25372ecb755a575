"""Handing a new account's one-time link to its person, from the portal: by e-mail when SMTP is
configured (COLO_SMTP_HOST), else — or when the mail could not be sent — shown once to the
person who made the account. The account and its link exist either way; a failed send is never
an error page, the page says so and shows the link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request

from accounts.cli import link_url
from accounts.mail import deliver_link, language_of
from accounts.schemas import LinkIssued
from colo.mail import Mailer
from web.guard import runtime_of


@dataclass(frozen=True, slots=True)
class Handover:
    issued: LinkIssued
    link: str | None  # shown on the page (once) unless the mail went out
    sent_to: str | None  # the address the mail went to
    mail_failed: bool  # SMTP is configured but did not take the mail


async def hand_over(request: Request[Any, Any, Any], issued: LinkIssued, *, language: str) -> Handover:
    settings = runtime_of(request).services.settings
    # COLO_PUBLIC_URL when set (behind a proxy the request's own address may be an internal one)
    link = link_url(settings.public_url or str(request.base_url), issued.token)
    mailer = Mailer.of(settings)
    if mailer is None:
        return Handover(issued=issued, link=link, sent_to=None, mail_failed=False)
    if await deliver_link(mailer=mailer, issued=issued, link=link, language=language_of(language),
                          facility=settings.facility_name):
        return Handover(issued=issued, link=None, sent_to=issued.account.email, mail_failed=False)
    return Handover(issued=issued, link=link, sent_to=None, mail_failed=True)
