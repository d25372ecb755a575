"""Invitation and set-up links by e-mail, through a real SMTP server (aiosmtpd on loopback): the
message in each language carries the link and nothing of anyone else; the command line sends
when SMTP is configured; a send that fails (nothing listens) is no error — the portal shows the
link once with a notice, and the link works."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from playwright.sync_api import Page, expect

from accounts.mail import WORDING, deliver_link, link_message
from accounts.schemas import AccountRead, LinkIssued
from colo.identity import Role
from colo.mail import Mailer, MailFailed
from colo.settings import Settings, SettingsError, load_settings
from tests.servers import colo_command, colo_env, free_port
from tests.web.browser import AppCall, Portal, client_headers, enrol, sign_in, staff_person, start_portal
from tests.web.mailbox import SmtpServer, body_of, link_in

LINK = "https://portal.example/welcome?token=cal_abcdefghijklmnop"
PASSWORD = "smtp-password-never-logged"


def issued(purpose: str = "invitation") -> LinkIssued:
    account = AccountRead(id=uuid4(), email="invitee@example.com", name="Invitee Name", role=Role.TENANT_MEMBER,
                          tenant_id=uuid4(), status="invited", locale="", totp_enrolled=False,
                          created_at=datetime.now(UTC))
    return LinkIssued(account=account, token="cal_abcdefghijklmnop", purpose=purpose,
                      expires_at=datetime(2030, 1, 2, 3, 4, tzinfo=UTC))


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


def mailer(port: int) -> Mailer:
    return Mailer(host="127.0.0.1", port=port, sender="Colo <portal@colo.test>", starttls=False, timeout=5)


@pytest.mark.parametrize(("language", "words", "other"), [("az", "dəvət", "invitation"), ("en", "invitation", "dəvət")])
def test_the_message_in_each_language_carries_the_link_and_nothing_else(language: str, words: str,
                                                                        other: str) -> None:
    subject, body = link_message(issued=issued(), link=LINK, language=language, facility="Colo DC 1")
    assert words in subject and other not in subject and other not in body
    assert LINK in body and "2030-01-02 03:04" in body and "Colo DC 1" in body
    # nobody's data but the link: not the invitee's name (typed by someone else), no token but the link's
    assert "Invitee Name" not in body and body.count("cal_") == 1


def test_the_set_up_message_says_staff_account() -> None:
    subject, _body = link_message(issued=issued("setup"), link=LINK, language="en", facility="Colo DC 1")
    assert "staff account" in subject
    fallback = link_message(issued=issued("setup"), link=LINK, language="xx", facility="F")[0]
    assert fallback == WORDING["az"].setup_subject.format(facility="F")  # an unknown language: Azerbaijani


async def test_a_message_reaches_the_smtp_server(smtp: SmtpServer) -> None:
    assert await deliver_link(mailer=mailer(smtp.port), issued=issued(), link=LINK, language="en",
                              facility="Colo DC 1")
    message = smtp.mailbox.wait_for("invitee@example.com", within=5)
    assert message["From"] == "Colo <portal@colo.test>" and message["Content-Language"] == "en"
    assert link_in(message) == LINK


async def test_a_send_nobody_takes_fails_softly() -> None:
    closed = mailer(free_port())
    with pytest.raises(MailFailed):
        await closed.send(closed.message(to="x@example.com", subject="s", body="b", language="en"))
    assert not await deliver_link(mailer=closed, issued=issued(), link=LINK, language="en", facility="F")


def test_smtp_settings_are_checked_together() -> None:
    assert Mailer.of(load_settings({})) is None
    with pytest.raises(SettingsError, match="COLO_SMTP_FROM is missing"):
        load_settings({"COLO_SMTP_HOST": "mail.example"})
    with pytest.raises(SettingsError, match="COLO_SMTP_USERNAME is missing"):
        load_settings({"COLO_SMTP_HOST": "mail.example", "COLO_SMTP_FROM": "a@b.c", "COLO_SMTP_PASSWORD": "pw"})
    with pytest.raises(SettingsError, match="COLO_SMTP_STARTTLS=false is invalid"):
        load_settings({"COLO_ENV": "production", "COLO_SMTP_HOST": "mail.example", "COLO_SMTP_FROM": "a@b.c",
                       "COLO_SMTP_STARTTLS": "false"})
    with pytest.raises(SettingsError, match="COLO_SMTP_PORT"):
        load_settings({"COLO_SMTP_PORT": "0"})
    configured = load_settings({"COLO_SMTP_HOST": "mail.example", "COLO_SMTP_FROM": "a@b.c",
                                "COLO_SMTP_USERNAME": "colo", "COLO_SMTP_PASSWORD": "hunter2-secret"})
    mail = Mailer.of(configured)
    assert mail is not None and mail.starttls and mail.port == 587
    assert "hunter2-secret" not in repr(configured) and "hunter2-secret" not in repr(mail)


def test_the_command_line_sends_the_set_up_link(settings: Settings, smtp: SmtpServer) -> None:
    env = colo_env(database_url=settings.database_url, secrets_dir=settings.secrets_dir, **smtp.env())
    email = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    printed = colo_command("accounts", "create-staff", "--email", email, "--role", "ops", "--language", "en", env=env)
    assert printed == ""  # nothing on stdout: the link went by mail
    message = smtp.mailbox.wait_for(email)
    assert "set up your staff account" in message["Subject"] and message["Content-Language"] == "en"
    assert "/welcome?token=cal_" in body_of(message)
    # without SMTP the link is printed, as before
    plain = colo_env(database_url=settings.database_url, secrets_dir=settings.secrets_dir)
    other = f"ops-{uuid.uuid4().hex[:8]}@example.com"
    assert "/welcome?token=cal_" in colo_command("accounts", "create-staff", "--email", other, "--role", "ops",
                                                 env=plain)
    assert smtp.mailbox.messages_to(other) == []


@pytest.fixture(scope="module")
def smtp_down_portal(portal_env: dict[str, str], app_call: AppCall,
                     tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """A server whose SMTP server is down (nothing listens on its port)."""
    env = {**portal_env, **SmtpServer.env_for(free_port()), "COLO_SMTP_USERNAME": "colo",
           "COLO_SMTP_PASSWORD": PASSWORD}
    log_path: Path = tmp_path_factory.mktemp("smtp-down") / "serve.log"
    portal = start_portal(env=env, log_path=log_path, run_in_app=app_call)
    try:
        yield portal
    finally:
        portal.server.stop()


def test_a_failed_send_shows_the_link_once_instead(smtp_down_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, smtp_down_portal
    # the command line prints the link when the mail cannot go
    ops, ops_secret = staff_person(portal, page)
    sign_in(page, portal.url, ops, ops_secret)
    page.goto(portal.url + "/staff/accounts")
    auditor = f"auditor-{uuid.uuid4().hex[:8]}@example.com"
    page.locator("#f-email").fill(auditor)
    page.locator("#f-role").select_option("auditor")
    with page.expect_response(lambda r: r.url.endswith("/staff/accounts") and r.request.method == "POST") as answer:
        page.locator("form[action='/staff/accounts'] button[type=submit]").click()
    assert answer.value.status == 200
    expect(page.locator("#mail-failed")).to_contain_text("could not be sent")
    link = page.locator("#invitation-link").inner_text()
    with page.context.browser.new_context(extra_http_headers=client_headers()) as other:
        theirs = other.new_page()
        secret = enrol(theirs, link)  # nothing lost: the link works
        sign_in(theirs, portal.url, auditor, secret)
        expect(theirs.locator("main")).to_contain_text(auditor)
    log = portal.server.log()
    assert "e-mail not sent" in log and PASSWORD not in log  # the failure is logged, the password never
