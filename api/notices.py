"""The notices the app sends tenants about their shipments: site access's `tell`
(siteaccess/notices.py) wired to e-mail to the tenant's administrators (accounts/notices.py) —
assembled here because neither domain may import the other — or nothing without SMTP."""

from __future__ import annotations

from accounts.notices import mail_tenant_admins
from colo.mail import Mailer
from colo.settings import Settings
from siteaccess.notices import Tell, no_mail


def tenant_notices(settings: Settings) -> Tell:
    mailer = Mailer.of(settings)
    return no_mail if mailer is None else mail_tenant_admins(mailer, facility=settings.facility_name)
