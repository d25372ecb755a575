"""Plain notices to a tenant's administrators by e-mail, in each one's language: the `tell` that
site access's services are given (siteaccess/notices.py) when Colo sends e-mail at all.

Who is told: the tenant's active portal accounts with the tenant_admin role. A failed send is
logged by colo/mail.py and never raised: the notice is a courtesy, the shipment and its history
(which the tenant sees in the portal and the API) exist either way.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from accounts.mail import language_of
from accounts.tables import Account
from colo.identity import Role
from colo.mail import Mailer, MailFailed

Compose = Callable[[str, str], tuple[str, str]]  # (language, facility) → (subject, body)


async def admin_addresses(tenant_id: UUID) -> list[tuple[str, str]]:
    """(e-mail, language) of the tenant's active administrators."""
    rows = await Account.select(Account.email, Account.locale).where(
        (Account.tenant_id == tenant_id) & (Account.role == Role.TENANT_ADMIN.value) & (Account.status == "active"))
    return [(row["email"], language_of(row["locale"] or None)) for row in rows]


def mail_tenant_admins(mailer: Mailer, *, facility: str) -> Callable[[UUID, Compose], Awaitable[None]]:
    async def tell(tenant_id: UUID, compose: Compose) -> None:
        for address, language in await admin_addresses(tenant_id):
            subject, body = compose(language, facility)
            try:
                await mailer.send(mailer.message(to=address, subject=subject, body=body, language=language))
            except MailFailed:
                continue  # logged by the mailer; the next administrator may still be reached

    return tell
