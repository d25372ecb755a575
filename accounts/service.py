"""Accounts: staff set up from the command line, tenant people invited by their tenant admin,
enrolment (password + TOTP) from a one-time link, and sign-in with both factors.

A link's token is shown once (the CLI prints it, the inviter sees it once) and only its SHA-256
is stored; it works once and until it expires. Enrolment and sign-in both require the TOTP code,
so nobody holds an account with a password alone. Every failure of sign-in — unknown address,
wrong password, wrong or replayed code — is the same `AuthenticationFailed("bad_credentials")`,
and an unknown address costs the same Argon2 time as a known one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from accounts import passwords, totp
from accounts.schemas import AccountRead, Enrolment, LinkIssued
from accounts.sessions import SessionStore
from accounts.tables import Account, AccountLink
from colo.db import violates_unique
from colo.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied, ValidationFailed
from colo.identity import FACILITY_ROLES, TENANT_ROLES, Principal, Role
from colo.logging import get_logger
from tenants import validation
from tenants.scope import scoped, tenant_for_write
from tenants.status import TenantStatus
from tenants.tables import Tenant

log = get_logger(__name__)
LINK_PREFIX = "cal_"  # "colo account link"
LOCALES = ("az", "en")


def link_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _email(value: str) -> str:
    return validation.email(value).lower()


async def tenant_is_active(tenant_id: UUID) -> bool:
    row = await Tenant.select(Tenant.status).where(Tenant.id == tenant_id).first()
    return row is not None and row["status"] == TenantStatus.ACTIVE.value


async def _new_account(*, email: str, name: str, role: Role, tenant_id: UUID | None, created_by: str,
                       purpose: str, valid_hours: int) -> LinkIssued:
    address = _email(email)
    display = validation.plain_text(name, field="name") if name else ""
    if await Account.exists().where(Account.email == address):
        raise Conflict("an account with this e-mail address exists already", field="email")
    now = datetime.now(UTC)
    account_id = uuid4()
    token = LINK_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(hours=valid_hours)
    try:
        async with Account._meta.db.transaction():
            await Account.insert(Account(
                id=account_id, email=address, name=display, role=role.value, tenant_id=tenant_id,
                status="invited", created_by=created_by[:100], created_at=now, updated_at=now))
            await AccountLink.insert(AccountLink(
                id=uuid4(), account_id=account_id, digest=link_digest(token), purpose=purpose,
                expires_at=expires, created_at=now))
    except Exception as exc:
        if violates_unique(exc, Account.email):  # a concurrent creation of the same address won
            raise Conflict("an account with this e-mail address exists already", field="email") from None
        raise
    log.info("account created", account_id=str(account_id), role=role.value, purpose=purpose, by=created_by)
    return LinkIssued(account=await get_account(account_id=account_id), token=token, purpose=purpose,
                      expires_at=expires)


async def create_staff(*, email: str, role: Role, name: str = "", created_by: str, valid_hours: int) -> LinkIssued:
    """A staff account and its one-time set-up link: one of the facility's people (ops, security,
    auditor), or the gate screen's account (a tablet at the entrance: it signs in like a person,
    password and TOTP, and its role's policy lets it open the gate screen and its own account only)."""
    if role not in FACILITY_ROLES:
        raise ValidationFailed("role", "staff accounts are ops, security, auditor or gate")
    return await _new_account(email=email, name=name, role=role, tenant_id=None, created_by=created_by,
                              purpose="setup", valid_hours=valid_hours)


async def invite(*, principal: Principal, email: str, name: str, role: Role, valid_hours: int,
                 tenant_id: UUID | None = None) -> LinkIssued:
    """Invite one of a tenant's people: a tenant admin into the admin's own tenant, staff (ops,
    and the command line for a tenant's first admin) into the tenant they name. Active tenants only."""
    if role not in TENANT_ROLES:
        raise ValidationFailed("role", "a tenant's people are tenant_admin or tenant_member")
    tenant_id = tenant_for_write(principal, tenant_id)
    if not await tenant_is_active(tenant_id):
        raise Conflict("the tenant is not active")
    return await _new_account(email=email, name=name, role=role, tenant_id=tenant_id,
                              created_by=principal.key_id, purpose="invitation", valid_hours=valid_hours)


async def get_account(*, account_id: UUID) -> AccountRead:
    row = await Account.select().where(Account.id == account_id).first()
    if row is None:
        raise NotFound("account", account_id)
    return AccountRead.of(row)


async def _open_link(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The link and its account; NotFound alike for unknown, used and expired links."""
    link = await AccountLink.select().where(AccountLink.digest == link_digest(token)).first()
    if link is None or link["used_at"] is not None or link["expires_at"] <= datetime.now(UTC):
        raise NotFound("link")
    account = await Account.select().where(Account.id == link["account_id"]).first()
    if account is None or account["status"] == "disabled":
        raise NotFound("link")
    if account["tenant_id"] is not None and not await tenant_is_active(account["tenant_id"]):
        raise NotFound("link")
    return link, account


async def begin_enrolment(*, token: str, master_key: bytes) -> Enrolment:
    """The person behind a link and the TOTP secret to enrol (made once, kept encrypted)."""
    link, row = await _open_link(token)
    account_id: UUID = row["id"]
    if not row["totp_ciphertext"] or row["totp_enrolled"]:
        secret = totp.new_secret()
        await Account.update({
            Account.totp_ciphertext: totp.encrypt_secret(secret, master_key=master_key, account_id=account_id),
            Account.totp_enrolled: False, Account.updated_at: datetime.now(UTC),
        }).where(Account.id == account_id)
    else:
        secret = totp.decrypt_secret(row["totp_ciphertext"], master_key=master_key, account_id=account_id)
    account = await get_account(account_id=account_id)
    return Enrolment(account=account, purpose=link["purpose"], totp_secret=secret,
                     totp_uri=totp.provisioning_uri(secret, email=account.email))


async def complete_enrolment(*, token: str, password: str, code: str, master_key: bytes) -> AccountRead:
    """Set the password and confirm TOTP with a first code; the link is used up."""
    link, row = await _open_link(token)
    account_id: UUID = row["id"]
    passwords.check_new_password(password, email=row["email"])
    if not row["totp_ciphertext"]:
        raise Conflict("open the link again to get your authenticator secret")
    secret = totp.decrypt_secret(row["totp_ciphertext"], master_key=master_key, account_id=account_id)
    step = totp.matching_step(secret, code, after_step=row["totp_last_step"])
    if step is None:
        raise ValidationFailed("code", "wrong_code")
    password_hash = await passwords.hash_password_async(password)  # before the transaction: it takes time
    now = datetime.now(UTC)
    async with Account._meta.db.transaction():
        claimed = await AccountLink.update({AccountLink.used_at: now}).where(
            (AccountLink.id == link["id"]) & AccountLink.used_at.is_null()).returning(AccountLink.id)
        if not claimed:
            raise NotFound("link")
        await Account.update({
            Account.password_hash: password_hash, Account.totp_enrolled: True,
            Account.totp_last_step: step, Account.status: "active", Account.updated_at: now,
        }).where(Account.id == account_id)
    log.info("account enrolled", account_id=str(account_id))
    return await get_account(account_id=account_id)


def _bad_credentials() -> AuthenticationFailed:
    return AuthenticationFailed("the e-mail address, password or code is wrong", reason="bad_credentials")


async def authenticate(*, email: str, password: str, code: str, master_key: bytes) -> AccountRead:
    """Password and TOTP code, both required; the code is used up (a replay fails)."""
    address = email.strip().lower()
    row = await Account.select().where(Account.email == address).first() if len(address) <= 254 else None
    if not await passwords.verify_password_async(row["password_hash"] if row else "",
                                                 password[:passwords.MAX_LENGTH]):
        raise _bad_credentials()
    assert row is not None  # a stored hash matched
    account_id: UUID = row["id"]
    if row["status"] != "active" or not row["totp_enrolled"]:
        raise _bad_credentials()
    secret = totp.decrypt_secret(row["totp_ciphertext"], master_key=master_key, account_id=account_id)
    step = totp.matching_step(secret, code, after_step=row["totp_last_step"])
    if step is None:
        raise _bad_credentials()
    # Conditional: of two sign-ins racing with one code, exactly one moves the step.
    used = await Account.update({Account.totp_last_step: step}).where(
        (Account.id == account_id) & (Account.totp_last_step < step)).returning(Account.id)
    if not used:
        raise _bad_credentials()
    if row["tenant_id"] is not None and not await tenant_is_active(row["tenant_id"]):
        raise AuthenticationFailed("your company's account is not active", reason="tenant_inactive")
    signed_in = datetime.now(UTC)
    await Account.update({Account.last_sign_in_at: signed_in}).where(Account.id == account_id)
    row = {**row, "last_sign_in_at": signed_in}
    if passwords.needs_rehash(row["password_hash"]):
        await Account.update({Account.password_hash: await passwords.hash_password_async(password)}).where(
            Account.id == account_id)
    return AccountRead.of(row)


async def set_locale(*, account_id: UUID, locale: str) -> None:
    if locale not in LOCALES:
        raise ValidationFailed("locale", "az or en")
    await Account.update({Account.locale: locale, Account.updated_at: datetime.now(UTC)}).where(
        Account.id == account_id)


# ------------------------------------------------------------------ managing accounts

MAX_LISTED = 500  # a tenant's people, or the facility's staff: far fewer in practice


async def list_accounts(*, principal: Principal) -> list[AccountRead]:
    """Accounts of tenants' people, oldest first: a tenant's own (scoped in the query), every
    tenant's for staff. Disabled accounts are listed too (their e-mail address stays taken)."""
    query = scoped(Account.select().where(Account.tenant_id.is_not_null()), principal=principal,
                   column=Account.tenant_id)
    rows = await query.order_by(Account.created_at).order_by(Account.id).limit(MAX_LISTED)
    return [AccountRead.of(row) for row in rows]


async def list_staff(*, principal: Principal) -> list[AccountRead]:
    """The facility's staff accounts, oldest first; for staff callers only."""
    if not principal.is_facility:
        raise PermissionDenied("staff accounts are listed for staff only")
    rows = await Account.select().where(Account.tenant_id.is_null()).order_by(Account.created_at).order_by(
        Account.id).limit(MAX_LISTED)
    return [AccountRead.of(row) for row in rows]


async def _tenant_account(principal: Principal, account_id: UUID) -> dict[str, Any]:
    """A tenant person's account the caller may manage; another tenant's is missing (NotFound)."""
    query = Account.select().where((Account.id == account_id) & Account.tenant_id.is_not_null())
    row = await scoped(query, principal=principal, column=Account.tenant_id).first()
    if row is None:
        raise NotFound("account", account_id)
    return row


async def _refuse_removing_last_admin(row: dict[str, Any]) -> None:
    """A tenant keeps at least one active administrator account: the last may neither step down
    nor be removed (it would leave nobody to invite or manage the company's people)."""
    if row["role"] != Role.TENANT_ADMIN.value or row["status"] != "active":
        return
    others = await Account.count().where(
        (Account.tenant_id == row["tenant_id"]) & (Account.role == Role.TENANT_ADMIN.value)
        & (Account.status == "active") & (Account.id != row["id"]))
    if others == 0:
        raise Conflict("this is the company's last administrator; make another person an administrator first",
                       field="form", reason="last_admin")


async def change_role(*, principal: Principal, account_id: UUID, role: Role) -> AccountRead:
    """Make a tenant's person an administrator or a member (a tenant admin: own tenant only).
    Takes effect at the person's next click: a session's role is read from the account each time."""
    if role not in TENANT_ROLES:
        raise ValidationFailed("role", "a tenant's people are tenant_admin or tenant_member")
    row = await _tenant_account(principal, account_id)
    if row["status"] == "disabled":
        raise Conflict("this account was removed", field="form", reason="disabled")
    if row["role"] == role.value:
        return AccountRead.of(row)
    if role != Role.TENANT_ADMIN:
        await _refuse_removing_last_admin(row)
    await Account.update({Account.role: role.value, Account.updated_at: datetime.now(UTC)}).where(
        Account.id == account_id)
    log.info("account role changed", account_id=str(account_id), role=role.value, by=principal.key_id)
    return await get_account(account_id=account_id)


async def _end_account(row: dict[str, Any], *, principal: Principal, sessions: SessionStore) -> str:
    """Remove an account: one never set up is deleted (its address is free again), an active one
    is disabled (kept for the record). Either way its links stop working and its sessions end now."""
    account_id: UUID = row["id"]
    async with Account._meta.db.transaction():
        await AccountLink.delete().where(AccountLink.account_id == account_id)
        if row["status"] == "invited":
            await Account.delete().where(Account.id == account_id)
            outcome = "deleted"
        else:
            await Account.update({Account.status: "disabled", Account.updated_at: datetime.now(UTC)}).where(
                Account.id == account_id)
            outcome = "disabled"
    ended = await sessions.end_account(account_id)
    log.info("account removed", account_id=str(account_id), outcome=outcome, sessions_ended=ended,
             by=principal.key_id)
    return outcome


async def remove_account(*, principal: Principal, account_id: UUID, sessions: SessionStore) -> str:
    """Remove a tenant's person's account ("deleted" or "disabled"); never the last administrator."""
    row = await _tenant_account(principal, account_id)
    if row["status"] == "disabled":
        return "disabled"
    await _refuse_removing_last_admin(row)
    return await _end_account(row, principal=principal, sessions=sessions)


async def disable_staff(*, principal: Principal, account_id: UUID, sessions: SessionStore) -> str:
    """Remove a staff account (ops); never one's own, so an ops account always remains."""
    if not principal.is_facility:
        raise NotFound("account", account_id)
    row = await Account.select().where((Account.id == account_id) & Account.tenant_id.is_null()).first()
    if row is None:
        raise NotFound("account", account_id)
    if principal.person_id == account_id:
        raise Conflict("you cannot remove your own account", field="form", reason="self")
    if row["status"] == "disabled":
        return "disabled"
    return await _end_account(row, principal=principal, sessions=sessions)


def principal_of(account: AccountRead) -> Principal:
    """The Principal a signed-in person acts as: the same role and tenant scoping as a key."""
    return Principal(key_id=f"web:{account.id}", role=account.role, name=account.email,
                     tenant_id=account.tenant_id, person_id=account.id)
