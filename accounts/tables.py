"""Database tables of accounts: people who sign in to the portal, their one-time links, sessions.

No foreign keys across apps: an account stores its tenant's UUID (tenants_tenant.id) as a plain
column. Secrets are never stored as such: passwords as Argon2id hashes, TOTP secrets encrypted
(accounts/totp.py), link tokens and session ids as SHA-256 digests.
"""

from piccolo.columns import UUID, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Account(Table, tablename="accounts_account"):
    """A person who signs in: staff (no tenant) or one of a tenant's people."""

    id = UUID(primary_key=True)
    email = Varchar(length=254, unique=True)  # lower-cased
    name = Varchar(length=200, default="")
    role = Varchar(length=20)  # a colo.identity.Role value
    tenant_id = UUID(null=True, default=None, index=True)
    # invited (no password yet) → active → disabled
    status = Varchar(length=20, index=True)
    password_hash = Text(default="")
    totp_ciphertext = Text(default="")  # AES-GCM under a key derived from the master key
    totp_enrolled = Boolean(default=False)
    totp_last_step = Integer(default=0)  # the last accepted time step: a code is good once
    locale = Varchar(length=8, default="")  # "az" or "en"; empty = negotiate
    last_sign_in_at = Timestamptz(null=True, default=None)  # shown to the tenant admin (people page)
    created_by = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class AccountLink(Table, tablename="accounts_link"):
    """A one-time link (staff set-up or invitation): only the token's SHA-256 is kept."""

    id = UUID(primary_key=True)
    account_id = UUID(index=True)
    digest = Varchar(length=64, unique=True)
    purpose = Varchar(length=20)  # setup | invitation
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class WebSession(Table, tablename="accounts_session"):
    """A signed-in session (the database store; Redis holds them instead when configured)."""

    digest = Varchar(length=64, primary_key=True)  # SHA-256 of the cookie's session id
    account_id = UUID(index=True)
    tenant_id = UUID(null=True, default=None, index=True)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz(index=True)  # the absolute limit


TABLES: list[type[Table]] = [Account, AccountLink, WebSession]
