"""`colo keys …` and `colo tenants …`: what ops need before (and besides) the API.

`colo tenants adopt`/`link` onboard customers already in NetBox; the NetBox side is provided by
dcim's CLI (`netbox_tenancy` default on the `tenants` parser), since tenants/ does not import dcim/.

`colo keys create --role ops --name "first admin"` prints a key exactly once, so a fresh install
can be used at all. Keys go to stdout alone (easy to pipe into a secret store); everything else
goes to stderr.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from colo.identity import TENANT_ROLES, Principal, Role
from colo.logging import get_logger
from tenants.status import TenantStatus

if TYPE_CHECKING:  # for the annotations only: the commands import lazily, so `colo --help` stays fast
    from colo.secretstore import Keys
    from tenants.adoption import NetBoxTenancy
    from tenants.schemas_keys import KeyIssued, KeyRead

log = get_logger(__name__)
CLI_PRINCIPAL = Principal(key_id="cli", role=Role.OPS, name="colo command line")


def _run[T](fn: Callable[[Keys], Awaitable[T]]) -> T:
    """Run fn(keys) against the configured database with every table bound to it."""
    from colo.cli import run_on_database, settings_or_exit
    from colo.logging import configure_logging
    from colo.secretstore import load_keys

    settings = settings_or_exit()
    configure_logging(log_format=settings.log_format, level=settings.log_level)  # to stderr: stdout is the key
    keys = load_keys(settings)
    return run_on_database(settings, lambda: fn(keys))


def cmd_keys_create(args: argparse.Namespace) -> int:
    from colo.cli import CommandError
    from tenants.keys import KeyRing, issue_key
    from tenants.tables import Tenant

    expires = datetime.now(UTC) + timedelta(days=args.expires_days) if args.expires_days else None
    role = Role(args.role)
    tenant_id = None
    if role in TENANT_ROLES:
        # Break-glass for a tenant that lost every admin key; normally tenants mint their own.
        if not args.tenant:
            raise CommandError(f"{role.value} keys need --tenant TENANT_ID")
        try:
            tenant_id = UUID(args.tenant)
        except ValueError:
            raise CommandError(f"{args.tenant!r} is not a tenant id (a UUID)") from None
    elif args.tenant:
        raise CommandError(f"{role.value} is a staff role: it takes no --tenant")

    async def create(keys: Keys) -> KeyIssued:
        if tenant_id is not None:
            row = await Tenant.select(Tenant.status).where(Tenant.id == tenant_id).first()
            if row is None or row["status"] != TenantStatus.ACTIVE:
                raise CommandError("no active tenant with that id")
        return await issue_key(
            ring=KeyRing.of(keys.api_key_peppers), name=args.name, role=role, tenant_id=tenant_id,
            expires_at=expires, allowed_networks=args.network, created_by="cli",
            signing_identity=args.signing_identity,
        )

    issued = _run(create)
    if tenant_id is not None:
        log.warning("tenant key created from the command line", key_id=str(issued.key.id),
                    tenant_id=str(tenant_id), role=role.value)
    log.warning(f"created {args.role} key {issued.key.id} ({args.name}); it is shown only once, on stdout")
    print(issued.api_key)
    return 0


def cmd_keys_bootstrap(_args: argparse.Namespace) -> int:
    """The first ops key of a fresh install, printed once; a no-op once any active ops key exists."""
    from colo.paging import every_row
    from tenants.keys import KeyRing, issue_key, list_keys
    from tenants.schemas_keys import KeyRead

    async def bootstrap(keys: Keys) -> KeyRead | KeyIssued:
        every = await every_row(lambda page: list_keys(principal=CLI_PRINCIPAL, page=page))
        existing = [key for key in every if key.role is Role.OPS and not _expired(key)]
        if existing:
            return existing[0]
        return await issue_key(ring=KeyRing.of(keys.api_key_peppers), name="first ops key", role=Role.OPS,
                               created_by="cli bootstrap")

    result = _run(bootstrap)
    if isinstance(result, KeyRead):
        log.warning(f"an active ops key exists already ({result.id}, {result.name}); "
                 "make another with `colo keys create --role ops --name NAME`")
        return 0
    log.warning(f"first ops key {result.key.id}; it is shown only once, on stdout: store it now")
    print(result.api_key)
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    from colo.paging import every_row
    from tenants.keys import list_keys

    rows = _run(lambda _keys: every_row(lambda page: list_keys(principal=CLI_PRINCIPAL, include_revoked=args.all,
                                                               page=page)))
    print(f"{'id':36}  {'role':13}  {'tenant':36}  {'state':8}  name")
    for key in rows:
        state = "revoked" if key.revoked_at else "expired" if _expired(key) else "active"
        print(f"{key.id!s:36}  {key.role.value:13}  {(key.tenant_id or '-')!s:36}  {state:8}  {key.name}")
    return 0


def _expired(key: KeyRead) -> bool:
    return key.expires_at is not None and key.expires_at <= datetime.now(UTC)


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    from colo.cli import CommandError
    from tenants.keys import revoke_key

    try:
        key_id = UUID(args.key_id)
    except ValueError:
        raise CommandError(f"{args.key_id!r} is not a key id (a UUID)") from None
    _run(lambda _keys: revoke_key(principal=CLI_PRINCIPAL, key_id=key_id, reason=args.reason))
    log.info(f"revoked key {key_id}")
    return 0


def cmd_tenants_list(args: argparse.Namespace) -> int:
    from colo.paging import every_row
    from tenants.lifecycle import list_tenants

    rows = _run(lambda _keys: every_row(lambda page: list_tenants(principal=CLI_PRINCIPAL, status=args.status,
                                                                  page=page)))
    print(f"{'id':36}  {'status':10}  {'country':7}  {'netbox':6}  legal name")
    for tenant in rows:
        print(f"{tenant.id!s:36}  {tenant.status:10}  {tenant.country:7}  "
              f"{tenant.netbox_tenant_id or '-'!s:6}  {tenant.legal_name}")
    return 0


def _netbox(args: argparse.Namespace) -> NetBoxTenancy:
    """The NetBox tenant directory dcim's CLI provides (tenants/ does not import dcim/)."""
    from colo.cli import CommandError

    factory = getattr(args, "netbox_tenancy", None)
    if factory is None:
        raise CommandError("NetBox commands are not available in this installation")
    directory: NetBoxTenancy = factory()  # dcim.cli.netbox_tenancy, set on the parser by dcim.cli.register
    return directory


def cmd_tenants_adopt(args: argparse.Namespace) -> int:
    """Adopt a customer already in NetBox; its first tenant-admin key goes to stdout, once."""
    from tenants.adoption import adopt_tenant
    from tenants.keys import KeyRing

    netbox = _netbox(args)
    adoption = _run(lambda keys: adopt_tenant(
        principal=CLI_PRINCIPAL, netbox_tenant_id=args.netbox_tenant_id, registration_number=args.registration_number,
        country=args.country, legal_name=args.legal_name, netbox=netbox, ring=KeyRing.of(keys.api_key_peppers)))
    tenant = adoption.tenant
    if adoption.first_key is None:
        log.warning(f"NetBox tenant {args.netbox_tenant_id} is adopted already: tenant {tenant.id} "
                    f"({tenant.legal_name}); no new key")
        return 0
    log.warning(f"adopted NetBox tenant {args.netbox_tenant_id} as tenant {tenant.id} ({tenant.legal_name}); "
                f"its first tenant-admin key {adoption.first_key.key.id} is shown only once, on stdout")
    print(adoption.first_key.api_key)
    return 0


def cmd_tenants_link(args: argparse.Namespace) -> int:
    from colo.cli import CommandError
    from tenants.adoption import link_tenant

    try:
        tenant_id = UUID(args.tenant_id)
    except ValueError:
        raise CommandError(f"{args.tenant_id!r} is not a tenant id (a UUID)") from None
    netbox = _netbox(args)
    link = _run(lambda _keys: link_tenant(principal=CLI_PRINCIPAL, tenant_id=tenant_id,
                                          netbox_tenant_id=args.netbox_tenant_id, netbox=netbox,
                                          replace=args.replace))
    tenant = link.tenant
    state = "linked" if link.changed else "already linked (nothing changed)"
    log.warning(f"tenant {tenant.id} ({tenant.legal_name}) {state} to NetBox tenant {tenant.netbox_tenant_id}")
    return 0


def register(sub: Any, netbox_sub: Any) -> None:
    """Called by colo/cli.py: adds `colo keys …` and `colo tenants …`."""
    keys = sub.add_parser("keys", help="API keys").add_subparsers(dest="keys_action", required=True)
    create = keys.add_parser("create", help="create an API key and print it once (tenant roles: break-glass)")
    create.add_argument("--role", required=True, choices=sorted(r.value for r in Role))
    create.add_argument("--tenant", default=None, metavar="TENANT_ID",
                        help="for tenant roles only: a tenant that lost its admin keys")
    create.add_argument("--name", required=True)
    create.add_argument("--signing-identity", default="", metavar="KIND:VALUE",
                        help="staff keys: the certificate (serialNumber:…, email:…, cn:…) that signs approvals")
    create.add_argument("--expires-days", type=int, default=None, help="expire after this many days")
    create.add_argument("--network", action="append", default=[], metavar="CIDR",
                        help="allowed source network (repeatable); default: anywhere")
    create.set_defaults(handler=cmd_keys_create)
    keys.add_parser("bootstrap", help="print a first ops key once, unless an active one exists").set_defaults(
        handler=cmd_keys_bootstrap)
    listing = keys.add_parser("list", help="list API keys (never their secrets)")
    listing.add_argument("--all", action="store_true", help="include revoked keys")
    listing.set_defaults(handler=cmd_keys_list)
    revoke = keys.add_parser("revoke", help="revoke an API key at once")
    revoke.add_argument("key_id")
    revoke.add_argument("--reason", default="revoked from the command line")
    revoke.set_defaults(handler=cmd_keys_revoke)

    tenants = sub.add_parser("tenants", help="tenants").add_subparsers(dest="tenants_action", required=True)
    tenant_list = tenants.add_parser("list", help="list tenants")
    tenant_list.add_argument("--status", choices=[status.value for status in TenantStatus])
    tenant_list.set_defaults(handler=cmd_tenants_list)
    adopt = tenants.add_parser("adopt", help="adopt a customer already in NetBox; prints its first admin key once")
    adopt.add_argument("netbox_tenant_id", type=int, metavar="NETBOX_TENANT_ID")
    adopt.add_argument("--registration-number", required=True)
    adopt.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 code")
    adopt.add_argument("--legal-name", default=None, help="default: the NetBox tenant's name")
    adopt.set_defaults(handler=cmd_tenants_adopt)
    link = tenants.add_parser("link", help="link a tenant to an existing NetBox tenant (idempotent)")
    link.add_argument("tenant_id", metavar="TENANT_ID")
    link.add_argument("netbox_tenant_id", type=int, metavar="NETBOX_TENANT_ID")
    link.add_argument("--replace", action="store_true", help="move a link to another NetBox tenant")
    link.set_defaults(handler=cmd_tenants_link)
