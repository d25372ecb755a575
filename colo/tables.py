"""Tables owned by the shared core: per-tenant data-key salts for crypto-erasure."""

from piccolo.columns import UUID, Timestamptz, Varchar
from piccolo.table import Table


class TenantDataKey(Table, tablename="colo_tenant_data_key"):
    """A random salt per tenant; with the master key it derives the tenant's data key (HKDF).

    Deleting the row erases every ciphertext of that tenant: the key can no longer be derived,
    while the ciphertexts (and any hashes over them, e.g. access-log leaves) stay in place.
    """

    tenant_id = UUID(unique=True, index=True)
    salt = Varchar(length=64)  # base64 of 32 random bytes
    created_at = Timestamptz()


from colo.outbox import OutboxEvent  # noqa: E402  (the transactional outbox, colo/outbox.py)

TABLES: list[type[Table]] = [TenantDataKey, OutboxEvent]
