"""Invitation and set-up links by e-mail, in the invitee's language (Azerbaijani or English).

The message says which facility invites, what the link is for, until when it works, and the
link — nothing else: not who invited (another person's data), not the role, no secret besides
the link itself. The two languages are written out here rather than in the portal's catalogs
because the command line sends these too, and no domain imports the portal (web/).

`deliver_link` never raises for a failed send: it answers False and the caller shows the link
to the person who asked instead (the account and its link exist either way).
"""

# Azerbaijani is written with the dotless i (U+0131), which ruff takes for a look-alike of i.
# ruff: noqa: RUF001

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from accounts.schemas import LinkIssued
from colo.mail import Mailer, MailFailed

DEFAULT_LANGUAGE = "az"


@dataclass(frozen=True, slots=True)
class Wording:
    invitation_subject: str
    setup_subject: str
    invitation_intro: str
    setup_intro: str
    instructions: str
    expiry: str
    ignore: str


WORDING = {
    "az": Wording(
        invitation_subject="{facility}: portala dəvət",
        setup_subject="{facility}: işçi hesabınızın qurulması",
        invitation_intro="Salam,\n\n{facility} portalında şirkətinizin hesabına dəvət olunmusunuz.",
        setup_intro="Salam,\n\n{facility} portalında sizin üçün işçi hesabı yaradılıb.",
        instructions="Keçidi açın, parol təyin edin və autentifikator tətbiqinizi qoşun:",
        expiry="Keçid yalnız bir dəfə işləyir və {when} (UTC) tarixinədək etibarlıdır.",
        ignore="Bu məktubu gözləmirdinizsə, ona məhəl qoymayın: keçid açılmasa, heç bir hesab aktivləşmir.",
    ),
    "en": Wording(
        invitation_subject="{facility}: invitation to the portal",
        setup_subject="{facility}: set up your staff account",
        invitation_intro="Hello,\n\nyou have been invited to your company's account on the {facility} portal.",
        setup_intro="Hello,\n\na staff account has been made for you on the {facility} portal.",
        instructions="Open the link, choose a password and connect your authenticator app:",
        expiry="The link works once and until {when} (UTC).",
        ignore="If you did not expect this message, ignore it: no account becomes active unless the link is opened.",
    ),
}


def language_of(code: str | None) -> str:
    return code if code in WORDING else DEFAULT_LANGUAGE


def link_message(*, issued: LinkIssued, link: str, language: str, facility: str) -> tuple[str, str]:
    """(subject, body) of the message carrying `link` to `issued.account`, in `language`."""
    words = WORDING[language_of(language)]
    setup = issued.purpose == "setup"
    when = issued.expires_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    subject = (words.setup_subject if setup else words.invitation_subject).format(facility=facility)
    intro = (words.setup_intro if setup else words.invitation_intro).format(facility=facility)
    body = "\n\n".join([intro, words.instructions, link, words.expiry.format(when=when), words.ignore, "— " + facility])
    return subject, body + "\n"


async def deliver_link(*, mailer: Mailer, issued: LinkIssued, link: str, language: str, facility: str) -> bool:
    """Send the link to the account's own address; True when the SMTP server accepted it."""
    subject, body = link_message(issued=issued, link=link, language=language, facility=facility)
    message = mailer.message(to=issued.account.email, subject=subject, body=body, language=language_of(language))
    try:
        await mailer.send(message)
    except MailFailed:
        return False
    return True
