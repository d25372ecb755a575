"""`colo accounts create-staff` and `colo accounts invite`: the first (and any) staff account of
the portal, and a tenant's first administrator.

The account's one-time link is e-mailed to the person when SMTP is configured (COLO_SMTP_HOST);
otherwise — or when the mail could not be sent — it is printed on stdout, alone (it is shown only
once). The person opens it, sets a password and enrols TOTP. Progress goes to stderr as log lines.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from colo.identity import FACILITY_ROLES, STAFF_ROLES, TENANT_ROLES, Role
from colo.logging import get_logger

if TYPE_CHECKING:
    from accounts.schemas import LinkIssued
    from colo.settings import Settings

log = get_logger(__name__)
LANGUAGES = ("az", "en")


def link_url(base_url: str, token: str) -> str:
    """Where a set-up or invitation link points: the portal's welcome page (token in the query,
    which the access log does not record, unlike path parameters)."""
    return f"{base_url.rstrip('/')}/welcome?token={token}"


def _hand_over(settings: Settings, issued: LinkIssued, *, language: str, what: str, **fields: str) -> int:
    """E-mail the link when SMTP is configured; otherwise, or when sending failed, print it alone
    on stdout (shown only this once)."""
    from accounts.mail import deliver_link
    from colo.mail import Mailer

    link = link_url(settings.webhook_base_url, issued.token)
    mailer = Mailer.of(settings)
    if mailer is not None:
        sent = asyncio.run(deliver_link(mailer=mailer, issued=issued, link=link, language=language,
                                        facility=settings.facility_name))
        if sent:
            log.warning(f"{what}; its link was sent by e-mail", email=issued.account.email, language=language,
                        valid_hours=settings.invitation_hours, **fields)
            return 0
        log.error(f"{what}, but the e-mail could not be sent; its link is shown only once, on stdout",
                  email=issued.account.email, **fields)
    else:
        log.warning(f"{what}; its link is shown only once, on stdout: open it to set a password and enrol TOTP",
                    email=issued.account.email, valid_hours=settings.invitation_hours, **fields)
    print(link)
    return 0


def cmd_create_staff(args: argparse.Namespace) -> int:
    from accounts.service import create_staff
    from colo.cli import run_on_database, settings_or_exit

    settings = settings_or_exit()

    async def main() -> LinkIssued:
        return await create_staff(email=args.email, role=Role(args.role), name=args.name or "",
                                  created_by="cli", valid_hours=settings.invitation_hours)

    issued = run_on_database(settings, main)
    return _hand_over(settings, issued, language=args.language, what="staff account created", role=args.role)


def cmd_invite(args: argparse.Namespace) -> int:
    """A tenant's person (its first admin, typically) invited by ops from the command line."""
    from uuid import UUID

    from accounts.service import invite
    from colo.cli import CommandError, run_on_database, settings_or_exit
    from colo.identity import Principal

    settings = settings_or_exit()
    try:
        tenant_id = UUID(args.tenant)
    except ValueError:
        raise CommandError("--tenant: expected a tenant id (a UUID)") from None

    async def main() -> LinkIssued:
        return await invite(principal=Principal(key_id="cli", role=Role.OPS, name="colo command line"),
                            tenant_id=tenant_id, email=args.email, name=args.name or "",
                            role=Role(args.role), valid_hours=settings.invitation_hours)

    issued = run_on_database(settings, main)
    return _hand_over(settings, issued, language=args.language, what="invitation made", role=args.role,
                      tenant_id=str(tenant_id))


def cmd_hint(_args: argparse.Namespace) -> int:
    """Say where the portal is and, while no staff account is active, how to make the first."""
    from accounts.tables import Account
    from colo.cli import run_on_database, settings_or_exit

    settings = settings_or_exit()

    async def staff_exists() -> bool:
        return bool(await Account.exists().where(
            Account.role.is_in([r.value for r in STAFF_ROLES]) & (Account.status == "active")))

    url = settings.webhook_base_url + "/"
    if run_on_database(settings, staff_exists):
        log.info("portal: sign in at " + url, portal=url)
    else:
        log.warning("portal: sign in at " + url + " — no staff account yet: make the first with "
                    "`.venv/bin/colo accounts create-staff --email you@example.com --role ops` "
                    "(it prints a one-time set-up link)", portal=url)
    return 0


def register(sub: Any, _netbox_sub: Any) -> None:
    """Called by colo/cli.py: adds `colo accounts …`."""
    accounts = sub.add_parser("accounts", help="portal accounts").add_subparsers(dest="accounts_action",
                                                                                 required=True)
    staff = accounts.add_parser("create-staff", help="create a staff account and print its one-time set-up link")
    staff.add_argument("--email", required=True)
    staff.add_argument("--role", required=True, choices=sorted(r.value for r in FACILITY_ROLES),
                       help="gate: the gate screen's account (a tablet at the entrance), which opens nothing else")
    staff.add_argument("--name", default="")
    staff.add_argument("--language", default="az", choices=LANGUAGES, help="of the e-mail, when SMTP is configured")
    staff.set_defaults(handler=cmd_create_staff)
    invitation = accounts.add_parser("invite", help="invite a tenant's person (e.g. its first admin); prints the link")
    invitation.add_argument("--tenant", required=True, metavar="TENANT_ID")
    invitation.add_argument("--email", required=True)
    invitation.add_argument("--role", required=True, choices=sorted(r.value for r in TENANT_ROLES))
    invitation.add_argument("--name", default="")
    invitation.add_argument("--language", default="az", choices=LANGUAGES,
                            help="of the e-mail, when SMTP is configured")
    invitation.set_defaults(handler=cmd_invite)
    accounts.add_parser("hint", help="say where the portal is and how to make the first staff account").set_defaults(
        handler=cmd_hint)
