"""A company that applied in the portal sets up its own first administrator account.

Whoever holds the application's tracking secret (the applicant: it was shown to them once) can,
once the datacenter approved the application, have the company's first portal account made for
the technical contact the application names — the portal's counterpart of collecting the first
API key with the same secret (tenants.applications.collect_first_key). So no one at the
datacenter has to run a command before a new tenant can sign in; the link goes by e-mail to the
contact when SMTP is configured, else it is shown once to the applicant.

Once: when the company has an administrator account that was set up (or one the datacenter
invited), this refuses and the administrators invite everyone else. Until then, asking again
replaces the link (the first may have expired or been lost): the old one stops working.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from accounts.schemas import LinkIssued
from accounts.service import LINK_PREFIX, _new_account, get_account, link_digest
from accounts.tables import Account, AccountLink
from colo.errors import Conflict
from colo.identity import Role
from colo.logging import get_logger
from tenants.applications import approved_applicant
from tenants.keys import KeyRing

log = get_logger(__name__)
PURPOSE = "invitation"
ADMIN_EXISTS = "administrator_exists"  # the Conflict's reason when the company has its administrator


async def first_admin_link(*, application_id: UUID, secret: str, ring: KeyRing, master_key: bytes,
                           valid_hours: int) -> LinkIssued:
    applicant = await approved_applicant(application_id=application_id, secret=secret, ring=ring,
                                         master_key=master_key)
    created_by = f"application:{application_id}"
    admins = await Account.select(Account.id, Account.status, Account.created_by).where(
        (Account.tenant_id == applicant.tenant_id) & (Account.role == Role.TENANT_ADMIN.value))
    if any(admin["status"] != "invited" or admin["created_by"] != created_by for admin in admins):
        raise Conflict("the company's administrator account exists already: sign in, or ask an administrator "
                       "of your company for an invitation", reason=ADMIN_EXISTS)
    if admins:
        return await _new_link(admins[0]["id"], valid_hours=valid_hours)
    return await _new_account(email=applicant.contact_email, name=applicant.contact_name, role=Role.TENANT_ADMIN,
                              tenant_id=applicant.tenant_id, created_by=created_by, purpose=PURPOSE,
                              valid_hours=valid_hours)


async def _new_link(account_id: UUID, *, valid_hours: int) -> LinkIssued:
    """A fresh link for an account never set up; its earlier links stop working."""
    now = datetime.now(UTC)
    token = LINK_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(hours=valid_hours)
    async with AccountLink._meta.db.transaction():
        await AccountLink.delete().where((AccountLink.account_id == account_id) & AccountLink.used_at.is_null())
        await AccountLink.insert(AccountLink(id=uuid4(), account_id=account_id, digest=link_digest(token),
                                             purpose=PURPOSE, expires_at=expires, created_at=now))
    log.info("first administrator link issued again", account_id=str(account_id))
    return LinkIssued(account=await get_account(account_id=account_id), token=token, purpose=PURPOSE,
                      expires_at=expires)
