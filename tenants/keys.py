"""API keys: issue, authenticate, list, revoke, rotate. Only HMAC digests are stored.

Authentication costs one indexed primary-key query (joined with the tenant's status, so a
suspended tenant's keys fail at once) plus one HMAC; `last_used_*` is written at most once a
minute per key, so steady traffic adds no writes.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from piccolo.columns.combination import Where

from colo.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied, ValidationFailed
from colo.identity import FACILITY_ROLES, TENANT_ROLES, Principal, Role
from colo.logging import get_logger
from colo.paging import Keyset, PageRequest, PageResult, select_page
from tenants import validation
from tenants.key_cache import KeyCache, KeyRecord
from tenants.keyformat import KeyDigester, MalformedKey, format_key, parse_key, random_secret
from tenants.schemas_keys import KeyIssued, KeyRead
from tenants.scope import select_one_or_404, tenant_filter
from tenants.status import TenantStatus
from tenants.tables import ApiKey, Person

log = get_logger(__name__)
LAST_USED_RESOLUTION = timedelta(seconds=60)
# The hot path of every request, written out: Piccolo's query builder costs ~0.6 ms more per call
# than the query itself (measured on PostgreSQL). Same SQL on PostgreSQL and SQLite.
AUTH_QUERY = (
    "SELECT k.id, k.name, k.role, k.tenant, k.person_id, k.digest, k.pepper_id, k.allowed_networks,"
    " k.expires_at, k.revoked_at, k.last_used_at, t.status AS tenant_status"
    " FROM tenants_api_key k LEFT JOIN tenants_tenant t ON t.id = k.tenant WHERE k.id = {}"
)
MAX_ROTATION_OVERLAP = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The peppers keys are digested with; the current one digests new keys."""

    peppers: dict[int, bytes]
    current_id: int
    digesters: dict[int, KeyDigester] = field(init=False, repr=False, compare=False)  # by pepper id, keyed once

    def __post_init__(self) -> None:
        digesters = {pepper_id: KeyDigester(pepper) for pepper_id, pepper in self.peppers.items()}
        object.__setattr__(self, "digesters", digesters)  # frozen: set once, here

    @classmethod
    def of(cls, peppers: dict[int, bytes]) -> KeyRing:
        return cls(peppers=peppers, current_id=max(peppers))


def normalise_networks(networks: list[str], *, field: str = "allowed_networks") -> list[str]:
    result = []
    for text in networks:
        try:
            result.append(str(ipaddress.ip_network(text.strip(), strict=False)))
        except ValueError:
            raise ValidationFailed(field, f"{text!r} is not a CIDR network") from None
    return result


def check_role_tenant(role: Role, tenant_id: UUID | None) -> None:
    if role in TENANT_ROLES and tenant_id is None:
        raise ValidationFailed("role", f"{role.value} keys belong to a tenant")
    if role in FACILITY_ROLES and tenant_id is not None:
        raise ValidationFailed("role", f"{role.value} is a staff role and has no tenant")


async def issue_key(
    *, ring: KeyRing, name: str, role: Role, tenant_id: UUID | None = None,
    person_id: UUID | None = None, expires_at: datetime | None = None,
    allowed_networks: list[str] | None = None, created_by: str = "", rotated_from: UUID | None = None,
    signing_identity: str = "",
) -> KeyIssued:
    """Create a key row and return it with its plaintext `api_key` (never stored, never logged)."""
    check_role_tenant(role, tenant_id)
    if signing_identity and role not in FACILITY_ROLES:
        raise ValidationFailed("signing_identity", "only staff keys carry a signing identity (a tenant's signers "
                                                   "are its people: set it on the person)")
    signing_identity = validation.signing_identity(signing_identity) if signing_identity else ""
    now = datetime.now(UTC)
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed("expires_at", "must be in the future")
    key_id = uuid4()
    secret = random_secret()
    row = ApiKey(
        id=key_id, name=name, role=role.value, tenant=tenant_id, person_id=person_id,
        digest=ring.digesters[ring.current_id].digest(key_id, secret), pepper_id=ring.current_id,
        allowed_networks=json.dumps(normalise_networks(allowed_networks or [])),
        expires_at=expires_at, created_by=created_by, rotated_from=rotated_from, created_at=now,
        signing_identity=signing_identity,
    )
    await row.save()
    log.info("api key issued", key_id=str(key_id), role=role.value,
             tenant_id=str(tenant_id) if tenant_id else None, by=created_by)
    return KeyIssued(api_key=format_key(key_id, secret), key=await _get(key_id))


async def _get(key_id: UUID) -> KeyRead:
    row = await ApiKey.select().where(ApiKey.id == key_id).first()
    if row is None:
        raise NotFound("API key")
    return KeyRead.of(row)


def _fail(reason: str, detail: str = "The API key is missing, unknown or malformed") -> AuthenticationFailed:
    return AuthenticationFailed(detail, reason=reason)


async def authenticate(
    *, token: str, ring: KeyRing, address: str | None, now: datetime | None = None, cache: KeyCache | None = None,
) -> Principal:
    """Resolve a presented key to a Principal or raise AuthenticationFailed(reason=…).

    With a `cache` (tenants/key_cache.py) the key's row may come from memory instead of the
    database; every check below still runs on every request."""
    try:
        parsed = parse_key(token)
    except MalformedKey:
        raise _fail("malformed_key") from None
    cached = await cache.lookup(parsed.key_id) if cache is not None else None
    if cached is not None:
        record, last_used_at = cached
    else:
        epoch = cache.epoch if cache is not None else 0
        rows = await ApiKey.raw(AUTH_QUERY, parsed.key_id)
        if not rows:
            raise _fail("unknown_key")
        record, last_used_at = _record(rows[0]), rows[0]["last_used_at"]
        if cache is not None:
            cache.remember(record, last_used_at=last_used_at, epoch=epoch)
    now = now or datetime.now(UTC)
    principal = check_key(record, secret=parsed.secret, ring=ring, address=address, now=now)
    if last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION:
        await _touch(parsed.key_id, now, address)
        if cache is not None:
            cache.mark_used(parsed.key_id, now)
    return principal


def _record(row: dict[str, Any]) -> KeyRecord:
    key_id = _as_uuid(row["id"]) or UUID(int=0)
    return KeyRecord(
        key_id=key_id,
        principal=Principal(key_id=str(key_id), role=Role(row["role"]), name=row["name"],
                            tenant_id=_as_uuid(row["tenant"]), person_id=_as_uuid(row["person_id"])),
        digest=row["digest"], pepper_id=row["pepper_id"],
        allowed_networks=tuple(json.loads(row["allowed_networks"] or "[]")), expires_at=row["expires_at"],
        revoked_at=row["revoked_at"], tenant_status=row["tenant_status"],
    )


def check_key(record: KeyRecord, *, secret: str, ring: KeyRing, address: str | None, now: datetime) -> Principal:
    """Everything that makes a key usable, checked against its row on every request."""
    digester = ring.digesters.get(record.pepper_id)
    if digester is None or not digester.matches(record.key_id, secret, record.digest):
        if digester is None:
            log.warning("api key digested with a retired pepper", key_id=str(record.key_id))
        raise _fail("unknown_key")
    # Past this point the caller holds the real secret, so precise reasons leak nothing.
    if record.revoked_at is not None:
        raise _fail("revoked", "The API key was revoked")
    if record.expires_at is not None and record.expires_at <= now:
        raise _fail("expired", "The API key has expired")
    if record.allowed_networks and not _address_allowed(address, list(record.allowed_networks)):
        raise _fail("network_not_allowed", "The API key may not be used from this address")
    if record.principal.tenant_id is not None and record.tenant_status != TenantStatus.ACTIVE:
        raise _fail(f"tenant_{record.tenant_status}", "The tenant of this API key is not active")
    return record.principal


def _as_uuid(value: Any) -> UUID | None:
    """Raw queries on SQLite may hand back UUID columns as text."""
    return value if value is None or isinstance(value, UUID) else UUID(str(value))


def _address_allowed(address: str | None, networks: list[str]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network_of(net) for net in networks)


@functools.lru_cache(maxsize=1024)
def network_of(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A network in CIDR text, parsed once: checked on every request (a key's allowed networks, the
    trusted proxies: api/auth.py), and the texts are few (normalised: `normalise_networks`, settings)."""
    return ipaddress.ip_network(text)


async def _touch(key_id: UUID, now: datetime, address: str | None) -> None:
    # Conditional update: concurrent requests within the same minute write at most once.
    await ApiKey.update(
        {ApiKey.last_used_at: now, ApiKey.last_used_address: (address or "")[:45]}
    ).where(
        (ApiKey.id == key_id)
        & (ApiKey.last_used_at.is_null() | (ApiKey.last_used_at < now - LAST_USED_RESOLUTION))
    )


def _scope_where(principal: Principal) -> Where | None:
    """Tenant admins see their tenant's keys; ops see every key (to revoke in an incident)."""
    return tenant_filter(principal, ApiKey.tenant)


KEY_KEYS = Keyset("keys", (datetime, UUID), descending=True)  # newest first


async def list_keys(*, principal: Principal, page: PageRequest, include_revoked: bool = False) -> PageResult[KeyRead]:
    query = ApiKey.select()
    if (where := _scope_where(principal)) is not None:
        query = query.where(where)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_null())
    rows = await select_page(query, columns=(ApiKey.created_at, ApiKey.id), keyset=KEY_KEYS, page=page)
    return rows.map(KeyRead.of)


async def get_key(*, principal: Principal, key_id: UUID) -> KeyRead:
    return KeyRead.of(await select_one_or_404(ApiKey, object_id=key_id, principal=principal, resource="API key",
                                              tenant_column=ApiKey.tenant))


async def create_key(
    *, principal: Principal, ring: KeyRing, name: str, role: Role, person_id: UUID | None = None,
    expires_at: datetime | None = None, allowed_networks: list[str] | None = None, signing_identity: str = "",
) -> KeyIssued:
    """Tenant admins create keys for their own tenant; ops create staff keys only (with the
    approver's signing identity where signed approvals are required)."""
    name = validation.plain_text(name, field="name")  # a name people tell keys apart by
    if principal.is_tenant:
        if role not in TENANT_ROLES:
            raise ValidationFailed("role", "tenant keys may only have a tenant role")
        tenant_id = principal.tenant_id
    else:
        if role not in FACILITY_ROLES:
            raise ValidationFailed("role", "ops create staff keys; tenant keys are created by the tenant admin")
        tenant_id = None
    if person_id is not None:
        query = Person.exists().where(Person.id == person_id)
        if tenant_id is None or not await query.where(Person.tenant == tenant_id):
            raise ValidationFailed("person_id", "no such person in this tenant")
    return await issue_key(
        ring=ring, name=name, role=role, tenant_id=tenant_id, person_id=person_id,
        expires_at=expires_at, allowed_networks=allowed_networks, created_by=principal.key_id,
        signing_identity=signing_identity,
    )


async def revoke_key(*, principal: Principal, key_id: UUID, reason: str = "") -> KeyRead:
    key = await get_key(principal=principal, key_id=key_id)
    if key.revoked_at is None and principal.is_tenant and key.role == Role.TENANT_ADMIN:
        await _refuse_revoking_last_admin(key)
    if key.revoked_at is None:
        await ApiKey.update({ApiKey.revoked_at: datetime.now(UTC), ApiKey.revoked_reason: reason[:200]}).where(
            (ApiKey.id == key_id) & ApiKey.revoked_at.is_null()
        )
        log.info("api key revoked", key_id=str(key_id), by=principal.key_id)
    return await _get(key_id)


async def _refuse_revoking_last_admin(key: KeyRead) -> None:
    """A tenant may not lock itself out: keep at least one working tenant-admin key.
    (Ops may still revoke it in an incident; `colo keys create --tenant` is the way back in.)"""
    now = datetime.now(UTC)
    others = await ApiKey.count().where(
        (ApiKey.tenant == key.tenant_id) & (ApiKey.role == Role.TENANT_ADMIN.value) & (ApiKey.id != key.id)
        & ApiKey.revoked_at.is_null() & (ApiKey.expires_at.is_null() | (ApiKey.expires_at > now))
    )
    if others == 0:
        raise Conflict("this is the tenant's last working tenant-admin key; create another one first")


async def rotate_key(
    *, principal: Principal, ring: KeyRing, key_id: UUID, overlap: timedelta,
) -> KeyIssued:
    """Issue a successor with the same attributes; the old key keeps working for `overlap`."""
    if overlap < timedelta(0) or overlap > MAX_ROTATION_OVERLAP:
        raise ValidationFailed("overlap_seconds", "between 0 and 30 days")
    old = await get_key(principal=principal, key_id=key_id)
    if old.revoked_at is not None:
        raise ValidationFailed("key_id", "a revoked key cannot be rotated")
    if principal.is_facility and old.tenant_id is not None:
        # Ops must never hold a tenant's credential: the tenant admin rotates tenant keys.
        raise PermissionDenied("tenant keys are rotated by their tenant admin")
    now = datetime.now(UTC)
    async with ApiKey._meta.db.transaction():  # successor and shortened predecessor together, or neither
        successor = await issue_key(
            ring=ring, name=old.name, role=old.role, tenant_id=old.tenant_id,
            person_id=old.person_id, expires_at=old.expires_at,
            allowed_networks=old.allowed_networks, created_by=principal.key_id, rotated_from=key_id,
            signing_identity=old.signing_identity,
        )
        ends = now + overlap
        if old.expires_at is None or old.expires_at > ends:
            await ApiKey.update({ApiKey.expires_at: ends}).where(ApiKey.id == key_id)
        if overlap == timedelta(0):
            await ApiKey.update({ApiKey.revoked_at: now, ApiKey.revoked_reason: "rotated"}).where(
                ApiKey.id == key_id)
    return successor


async def revoke_tenant_keys(*, tenant_id: UUID, reason: str) -> int:
    revoked = await ApiKey.update(
        {ApiKey.revoked_at: datetime.now(UTC), ApiKey.revoked_reason: reason[:200]}
    ).where((ApiKey.tenant == tenant_id) & ApiKey.revoked_at.is_null()).returning(ApiKey.id)
    return len(revoked)


async def signing_identity_of(principal: Principal) -> str:
    """The signing identity recorded on the caller's staff API key ("" when none, or not an API key)."""
    try:
        key_id = UUID(principal.key_id)
    except ValueError:  # a portal session or the command line: no key, no recorded identity
        return ""
    row = await ApiKey.select(ApiKey.signing_identity).where(
        (ApiKey.id == key_id) & ApiKey.tenant.is_null()).first()
    return str(row["signing_identity"]) if row else ""
