"""Database tables of tenants: applications, tenants, people and API keys.

Foreign keys stay inside this app (other apps store tenant UUIDs). Lists are JSON text so the
same migrations run on PostgreSQL and SQLite.
"""

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Tenant(Table, tablename="tenants_tenant"):
    """A company renting space. Its id equals the id of the application that created it."""

    id = UUID(primary_key=True)
    legal_name = Varchar(length=200)
    registration_number = Varchar(length=40)
    country = Varchar(length=2)
    # pending (NetBox tenant not linked yet) → active ⇄ suspended → offboarded
    status = Varchar(length=20, index=True)
    status_reason = Text(default="")
    netbox_tenant_id = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Application(Table, tablename="tenants_application"):
    """A company's request to become a tenant, followed by the applicant with a tracking secret."""

    id = UUID(primary_key=True)
    legal_name = Varchar(length=200)
    registration_number = Varchar(length=40)
    country = Varchar(length=2)
    # "<country>:<normalised number>" while the application is live; NULL once rejected, so a
    # unique index refuses duplicates even under concurrent submissions.
    registration_key = Varchar(length=48, null=True, default=None, unique=True)
    services = JSON(default="[]")
    # address and contacts (personal data) encrypted under the future tenant's data key
    details_ciphertext = Text()
    # submitted (awaiting review) → action_required ⇄ submitted → approved | rejected
    status = Varchar(length=20, index=True)
    review_reason = Text(default="")
    applicant_answer = Text(default="")
    tracking_digest = Varchar(length=64)
    tracking_pepper_id = Integer()
    tenant_id = UUID(null=True, default=None)
    key_collected_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Person(Table, tablename="tenants_person"):
    """Someone working for a tenant. Phone and ID number are encrypted; masks are kept for display."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, index=True)
    name = Varchar(length=200)
    email = Varchar(length=254)
    phone_ciphertext = Text(default="")
    phone_masked = Varchar(length=40, default="")
    site_access = Boolean(default=False)
    id_document_type = Varchar(length=30, default="")
    id_number_ciphertext = Text(default="")
    id_number_masked = Varchar(length=60, default="")
    signing_identity = Varchar(length=300, default="")  # certificate subject id for signing LOAs; "" = none
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ApiKey(Table, tablename="tenants_api_key"):
    """An API key: only HMAC-SHA256(pepper, key id ‖ secret) and the pepper id are stored."""

    id = UUID(primary_key=True)
    name = Varchar(length=100)
    role = Varchar(length=20)
    tenant = ForeignKey(Tenant, null=True, default=None, index=True)
    person_id = UUID(null=True, default=None)
    digest = Varchar(length=64)
    pepper_id = Integer()
    allowed_networks = JSON(default="[]")
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    revoked_reason = Varchar(length=200, default="")
    rotated_from = UUID(null=True, default=None)
    # a staff key's certificate subject id (tenants.validation.signing_identity) for signed approvals; "" = none
    signing_identity = Varchar(length=300, default="")
    created_by = Varchar(length=64, default="")
    last_used_at = Timestamptz(null=True, default=None)
    last_used_address = Varchar(length=45, default="")
    created_at = Timestamptz(default=TimestamptzNow())


TABLES: list[type[Table]] = [Tenant, Application, Person, ApiKey]
