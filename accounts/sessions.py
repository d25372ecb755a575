"""Server-side portal sessions: Redis when configured (every process shares them), else a table.

The cookie carries a random 256-bit session id; the store keeps only its SHA-256, the account,
its tenant and two times. A session ends when unused for `idle` seconds, `absolute` seconds
after sign-in in any case, at sign-out, at "sign out everywhere" (every session of the account)
and when its tenant is suspended or offboarded (every session of the tenant, through the tenant
status hook the portal registers). A new id is made at every sign-in and never taken from the
client, so a session id planted before sign-in (fixation) is worth nothing.

`last_seen` is written at most every `touch_interval` seconds (a fifth of the idle time, at most
a minute), so a busy page costs no write per request; the idle limit is late by at most that.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from accounts.tables import WebSession
from colo.errors import Unavailable
from colo.logging import get_logger

log = get_logger(__name__)


def session_digest(session_id: str) -> str:
    return hashlib.sha256(b"session:" + session_id.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class SessionLimits:
    idle: int = 900
    absolute: int = 43200

    @property
    def touch_interval(self) -> float:
        return min(60.0, self.idle / 5)


@dataclass(frozen=True, slots=True)
class LiveSession:
    account_id: UUID
    tenant_id: UUID | None
    created_at: float
    last_seen_at: float


class SessionStore(Protocol):
    limits: SessionLimits

    async def create(self, *, account_id: UUID, tenant_id: UUID | None) -> str:
        """A new session; returns its id (for the cookie, never stored)."""
        ...

    async def touch(self, session_id: str) -> LiveSession | None:
        """The live session (its last use now), or None when unknown, idle or past its limit."""
        ...

    async def end(self, session_id: str) -> None: ...

    async def end_account(self, account_id: UUID) -> int: ...

    async def end_tenant(self, tenant_id: UUID) -> int: ...

    async def stop(self) -> None: ...


def _expired(limits: SessionLimits, created: float, last_seen: float, now: float) -> bool:
    return now - last_seen >= limits.idle or now - created >= limits.absolute


class DatabaseSessions:
    """Sessions in `accounts_session` (PostgreSQL or SQLite): durable, shared through the database."""

    def __init__(self, limits: SessionLimits) -> None:
        self.limits = limits

    async def create(self, *, account_id: UUID, tenant_id: UUID | None) -> str:
        session_id = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        await WebSession.insert(WebSession(
            digest=session_digest(session_id), account_id=account_id, tenant_id=tenant_id, created_at=now,
            last_seen_at=now, expires_at=datetime.fromtimestamp(now.timestamp() + self.limits.absolute, UTC)))
        await WebSession.delete().where(WebSession.expires_at < now)  # sweep the long dead
        return session_id

    async def touch(self, session_id: str) -> LiveSession | None:
        digest = session_digest(session_id)
        row = await WebSession.select().where(WebSession.digest == digest).first()
        if row is None:
            return None
        now = time.time()
        created, last_seen = row["created_at"].timestamp(), row["last_seen_at"].timestamp()
        if _expired(self.limits, created, last_seen, now):
            await WebSession.delete().where(WebSession.digest == digest)
            return None
        if now - last_seen >= self.limits.touch_interval:
            await WebSession.update({WebSession.last_seen_at: datetime.fromtimestamp(now, UTC)}).where(
                WebSession.digest == digest)
            last_seen = now
        return LiveSession(account_id=row["account_id"], tenant_id=row["tenant_id"], created_at=created,
                           last_seen_at=last_seen)

    async def end(self, session_id: str) -> None:
        await WebSession.delete().where(WebSession.digest == session_digest(session_id))

    async def end_account(self, account_id: UUID) -> int:
        rows = await WebSession.delete().where(WebSession.account_id == account_id).returning(WebSession.digest)
        return len(rows)

    async def end_tenant(self, tenant_id: UUID) -> int:
        rows = await WebSession.delete().where(WebSession.tenant_id == tenant_id).returning(WebSession.digest)
        return len(rows)

    async def stop(self) -> None:
        return None


class RedisSessions:
    """Sessions in Redis: a hash per session whose TTL is the idle limit (capped by the absolute
    one), and a set of session digests per account and per tenant for ending them together."""

    def __init__(self, limits: SessionLimits, *, redis_url: str, prefix: str = "colo:session") -> None:
        import redis.asyncio as redis_asyncio  # imported only when Redis is configured

        self.limits = limits
        self._prefix = prefix
        self._redis: Any = redis_asyncio.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)

    def _key(self, digest: str) -> str:
        return f"{self._prefix}:s:{digest}"

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """Redis not answering is a dependency that is down (503, retry), not a bug (500)."""
        from redis.exceptions import RedisError

        try:
            yield
        except RedisError as exc:
            log.warning("session store unavailable", error=type(exc).__name__)
            raise Unavailable("sessions", "the session store (Redis) does not answer", retry_after=5) from None

    def _set(self, kind: str, value: UUID) -> str:
        return f"{self._prefix}:{kind}:{value.hex}"

    async def create(self, *, account_id: UUID, tenant_id: UUID | None) -> str:
        with self._answering():
            session_id = secrets.token_urlsafe(32)
            digest = session_digest(session_id)
            now = time.time()
            pipe = self._redis.pipeline()
            pipe.hset(self._key(digest), mapping={
                "account": account_id.hex, "tenant": tenant_id.hex if tenant_id else "",
                "created": repr(now), "seen": repr(now)})
            pipe.expire(self._key(digest), min(self.limits.idle, self.limits.absolute))
            for kind, value in (("account", account_id), ("tenant", tenant_id)):
                if value is not None:
                    pipe.sadd(self._set(kind, value), digest)
                    pipe.expire(self._set(kind, value), self.limits.absolute + 60)
            await pipe.execute()
            return session_id

    async def touch(self, session_id: str) -> LiveSession | None:
        with self._answering():
            key = self._key(session_id_digest := session_digest(session_id))
            values = {k.decode(): v.decode() for k, v in (await self._redis.hgetall(key)).items()}
            if not values.get("account"):
                return None
            now = time.time()
            created, last_seen = float(values["created"]), float(values["seen"])
            if _expired(self.limits, created, last_seen, now):
                await self._redis.delete(key)
                return None
            if now - last_seen >= self.limits.touch_interval:
                remaining = int(self.limits.absolute - (now - created)) + 1
                pipe = self._redis.pipeline()
                pipe.hset(key, "seen", repr(now))
                pipe.expire(key, max(1, min(self.limits.idle, remaining)))
                await pipe.execute()
                last_seen = now
            log.debug("session touched", session=session_id_digest[:8])
            tenant = values.get("tenant")
            return LiveSession(account_id=UUID(values["account"]), tenant_id=UUID(tenant) if tenant else None,
                               created_at=created, last_seen_at=last_seen)

    async def end(self, session_id: str) -> None:
        with self._answering():
            await self._redis.delete(self._key(session_digest(session_id)))

    async def _end_set(self, set_key: str) -> int:
        with self._answering():
            digests = [d.decode() for d in await self._redis.smembers(set_key)]
            if digests:
                ended = int(await self._redis.delete(*(self._key(d) for d in digests)))
            else:
                ended = 0
            await self._redis.delete(set_key)
            return ended

    async def end_account(self, account_id: UUID) -> int:
        return await self._end_set(self._set("account", account_id))

    async def end_tenant(self, tenant_id: UUID) -> int:
        return await self._end_set(self._set("tenant", tenant_id))

    async def stop(self) -> None:
        await self._redis.aclose()


def session_store(*, redis_url: str, limits: SessionLimits) -> SessionStore:
    """Redis when COLO_REDIS_URL is set (several processes share sessions), else the database."""
    if redis_url:
        return RedisSessions(limits, redis_url=redis_url)
    return DatabaseSessions(limits)
