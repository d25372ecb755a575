"""Telling a tenant about its shipments: a delivery nobody announced was registered for it, or a
delivery has waited at the dock past the holding period.

The services take a `tell` callable, as they take a `journal`: site access may not import the
accounts that know the tenant's administrators, so the app wires a `tell` that mails them
(accounts/notices.py; only with SMTP configured) and everything else passes `no_mail`. The
wording is written out here in both languages, like accounts/mail.py's, because no domain
imports the portal's catalogs. A message carries the facility, the tracking number and the box
count — no personal data.
"""

# Azerbaijani is written with the dotless i (U+0131), which ruff takes for a look-alike of i.
# ruff: noqa: RUF001

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

Compose = Callable[[str, str], tuple[str, str]]  # (language "az"/"en", facility name) → (subject, body)
Tell = Callable[[UUID, Compose], Awaitable[None]]  # (tenant id, message) → sent to its administrators


async def no_mail(_tenant_id: UUID, _compose: Compose) -> None:
    """A `tell` that sends nothing (no SMTP configured, scripts and tests that do not look)."""


@dataclass(frozen=True, slots=True)
class Wording:
    unannounced_subject: str
    unannounced_body: str
    held_subject: str
    held_body: str
    sign_off: str


WORDING = {
    "az": Wording(
        unannounced_subject="{facility}: elan edilməmiş göndəriş qəbul edildi",
        unannounced_body="Salam,\n\nyükləmə meydançası şirkətiniz üçün elan edilməmiş göndəriş qəbul etdi: izləmə "
                         "nömrəsi {tracking}, {boxes} qutu. Onu portalda «Göndərişlər» bölməsində görə bilərsiniz.",
        held_subject="{facility}: göndəriş meydançada çox qalıb",
        held_body="Salam,\n\nizləmə nömrəsi {tracking} olan göndəriş {days} gündür yükləmə meydançasında gözləyir "
                  "(saxlama müddəti {holding} gündür). Zəhmət olmasa, onun götürülməsini və ya çatdırılmasını "
                  "təşkil edin.",
        sign_off="— {facility}",
    ),
    "en": Wording(
        unannounced_subject="{facility}: an unannounced delivery was received",
        unannounced_body="Hello,\n\nthe loading dock received a delivery for your company that nobody announced: "
                         "tracking number {tracking}, {boxes} box(es). It is in the portal under Shipments.",
        held_subject="{facility}: a delivery has waited at the dock too long",
        held_body="Hello,\n\nthe delivery with tracking number {tracking} has waited at the loading dock for {days} "
                  "day(s) (the holding period is {holding} days). Please arrange its collection or delivery.",
        sign_off="— {facility}",
    ),
}


def _words(language: str) -> Wording:
    return WORDING.get(language, WORDING["az"])


def unannounced(*, tracking: str, boxes: int) -> Compose:
    def compose(language: str, facility: str) -> tuple[str, str]:
        words = _words(language)
        body = words.unannounced_body.format(tracking=tracking, boxes=boxes)
        signed = f"{body}\n\n{words.sign_off.format(facility=facility)}\n"
        return words.unannounced_subject.format(facility=facility), signed

    return compose


def held_too_long(*, tracking: str, days: int, holding: int) -> Compose:
    def compose(language: str, facility: str) -> tuple[str, str]:
        words = _words(language)
        body = words.held_body.format(tracking=tracking, days=days, holding=holding)
        signed = f"{body}\n\n{words.sign_off.format(facility=facility)}\n"
        return words.held_subject.format(facility=facility), signed

    return compose
