"""People in the portal, in Debian's Chromium against a real `colo serve`: a tenant admin invites
a colleague with SMTP configured (a real SMTP server on loopback receives the mail, in the
language chosen), the colleague follows the link from the mail and signs in; roles change at the
next click; a removed person's open session ends on its next click; the last administrator cannot
remove itself; members cannot open the people pages; another tenant's account or person answers
exactly like a missing one; the people register validates next to the field."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect

from accounts.tables import Account
from colo.identity import Principal, Role
from tenants import people
from tenants.schemas import PersonCreate
from tenants.tables import Person
from tests.servers import colo_command
from tests.web.browser import (
    AppCall,
    Portal,
    client_headers,
    enrol,
    new_tenant,
    session_cookie,
    sign_in,
    start_portal,
    tenant_person,
)
from tests.web.mailbox import SmtpServer, body_of, link_in
from tests.web.people_support import post, session_alive

MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def mail_portal(portal_env: dict[str, str], app_call: AppCall, smtp: SmtpServer,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """A second server that sends invitations through the loopback SMTP server."""
    portal = start_portal(env={**portal_env, **smtp.env()}, log_path=tmp_path_factory.mktemp("mail") / "serve.log",
                          run_in_app=app_call)
    try:
        yield portal
    finally:
        portal.server.stop()


async def account_state(email: str) -> tuple[str, str]:
    row = await Account.select(Account.role, Account.status).where(Account.email == email).first()
    assert row is not None
    return row["role"], row["status"]


async def register_person(tenant_id: str) -> UUID:
    """A person in a tenant's register, as its admin would add them (the domain service; no phone
    or ID number, so no personal data to encrypt and the master key is not used)."""
    admin = Principal(key_id="test", role=Role.TENANT_ADMIN, name="test", tenant_id=UUID(tenant_id))
    person = await people.create_person(principal=admin, master_key=bytes(32),
                                        data=PersonCreate(name="Someone Else", email="someone@example.com"))
    return person.id


async def person_name(person_id: UUID) -> str:
    row = await Person.select(Person.name).where(Person.id == person_id).first()
    assert row is not None
    return str(row["name"])


def account_row(page: Page, email: str) -> str:
    return f"#account-list tr:has(td:text-is('{email}'))"


def test_an_invitation_by_email_roles_and_removal(mail_portal: Portal, smtp: SmtpServer, browser_page: Page) -> None:
    page, portal = browser_page, mail_portal
    tenant_id = new_tenant(portal)
    # the command line sends the first admin's invitation too, in the language asked for
    admin = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    printed = colo_command("accounts", "invite", "--tenant", tenant_id, "--email", admin, "--role", "tenant_admin",
                           "--language", "en", env=portal.env)
    assert printed.strip() == ""  # e-mailed, not printed
    first = smtp.mailbox.wait_for(admin)
    assert first["Content-Language"] == "en" and "invitation to the portal" in first["Subject"]
    admin_secret = enrol(page, link_in(first))
    sign_in(page, portal.url, admin, admin_secret)
    expect(page.locator("main")).to_contain_text("Company administrator")

    # the admin invites a colleague from the portal, the mail in Azerbaijani
    colleague = f"colleague-{uuid.uuid4().hex[:8]}@example.com"
    page.goto(portal.url + "/people")
    page.get_by_role("link", name="Invite a colleague").click()
    page.locator("#f-email").fill(colleague)
    page.locator("#f-name").fill("Aysel Colleague")
    page.locator("#f-role").select_option("tenant_member")
    page.locator("#f-language").select_option("az")
    page.locator("form[action='/people/invite'] button[type=submit]").click()
    expect(page.locator("#sent-to")).to_contain_text(colleague)
    expect(page.locator("#invitation-link")).to_have_count(0)  # sent, so not shown
    mail = smtp.mailbox.wait_for(colleague)
    body = body_of(mail)
    assert mail["Content-Language"] == "az" and "dəvət" in mail["Subject"]
    assert "Keçidi" in body and "Open the link" not in body
    assert admin not in body and admin not in str(mail)  # nobody else's data: not who invited
    assert mail["To"] == colleague and "portal@colo.test" in mail["From"]

    page.goto(portal.url + "/people")
    expect(page.locator(account_row(page, colleague))).to_contain_text("Invited")
    expect(page.locator(account_row(page, colleague)).locator(".last-sign-in")).to_have_text("Never")
    with page.context.browser.new_context(extra_http_headers=client_headers(), locale="en-US") as other:
        theirs = other.new_page()
        their_secret = enrol(theirs, link_in(mail))
        sign_in(theirs, portal.url, colleague, their_secret)
        expect(theirs.locator("main")).to_contain_text("Company member")
        page.goto(portal.url + "/people")  # the sign-in is recorded
        expect(page.locator(account_row(page, colleague)).locator(".last-sign-in")).not_to_have_text("Never")
        theirs.goto(portal.url + "/people")  # a member may not manage people
        expect(theirs.locator("[role=alert]")).to_contain_text("You may not do this.")

        # made an administrator: the colleague's next click has the new role
        page.goto(portal.url + "/people")
        row = page.locator(account_row(page, colleague))
        expect(row).to_contain_text("Active")
        row.locator("select[name=role]").select_option("tenant_admin")
        row.get_by_role("button", name="Change role").click()
        expect(page.locator(account_row(page, colleague))).to_contain_text("Company administrator")
        theirs.goto(portal.url + "/people")
        expect(theirs.locator("#account-list")).to_contain_text(admin)

        # removed: the colleague's session ends at once (gone from the store), so their next click
        # finds them signed out
        cookie = session_cookie(theirs)
        assert cookie is not None and session_alive(portal, cookie["value"])
        page.locator(account_row(page, colleague)).get_by_role("button", name="Remove").click()
        expect(page.locator(account_row(page, colleague))).to_contain_text("Removed")
        assert not session_alive(portal, cookie["value"])
        theirs.goto(portal.url + "/people")
        expect(theirs.locator("form[action='/sign-in']")).to_be_visible()
        assert session_cookie(theirs) is None
        sign_in(theirs, portal.url, colleague, their_secret, steps_ahead=2)  # and cannot sign in again
        expect(theirs.locator("[role=alert]")).to_contain_text("wrong")

    # the last administrator may not remove itself, nor step down
    page.goto(portal.url + "/people")
    page.locator(account_row(page, admin)).get_by_role("button", name="Remove").click()
    expect(page.locator("[role=alert]")).to_contain_text("last administrator")
    refused = post(page, f"{portal.url}/people/accounts/{portal.account_id(admin)}/role", role="tenant_member")
    assert refused.status == 409 and "last administrator" in refused.text()
    page.goto(portal.url + "/people")
    expect(page.locator(account_row(page, admin))).to_contain_text("Company administrator")


def test_another_tenants_account_or_person_answers_like_a_missing_one(live_portal: Portal,
                                                                      browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    theirs_tenant = new_tenant(portal)
    with page.context.browser.new_context(extra_http_headers=client_headers()) as elsewhere:
        their_admin, _secret = tenant_person(portal, elsewhere.new_page(), theirs_tenant)
    their_person = portal.query(lambda: register_person(theirs_tenant))
    email, secret = tenant_person(portal, page, new_tenant(portal))
    sign_in(page, portal.url, email, secret)
    expect(page.locator("main")).to_contain_text("Company administrator")
    page.goto(portal.url + "/people")
    their_account = portal.account_id(their_admin)
    for action, form in (("role", {"role": "tenant_member"}), ("remove", {})):
        other = post(page, f"{portal.url}/people/accounts/{their_account}/{action}", **form)
        missing = post(page, f"{portal.url}/people/accounts/{MISSING}/{action}", **form)
        assert other.status == missing.status == 404
        assert other.text().replace(str(their_account), MISSING) == missing.text().replace(str(their_account),
                                                                                            MISSING)
    for path in (f"/people/{their_person}", f"/people/{MISSING}"):  # a person: the page and its posts
        response = page.goto(portal.url + path)
        assert response is not None and response.status == 404, path
        expect(page.locator("[role=alert]")).to_contain_text("does not exist")
    for path in (f"/people/{their_person}", f"/people/{their_person}/delete"):
        assert post(page, portal.url + path, name="Taken Over", email="x@example.com").status == 404
    # nothing happened to the other tenant's admin or person
    assert portal.query(lambda: account_state(their_admin)) == ("tenant_admin", "active")
    page.goto(portal.url + "/people")
    expect(page.locator("#account-list")).not_to_contain_text(their_admin)
    expect(page.locator("body")).not_to_contain_text("Someone Else")
    assert portal.query(lambda: person_name(their_person)) == "Someone Else"


def test_the_people_register_add_change_remove(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    email, secret = tenant_person(portal, page, new_tenant(portal))
    sign_in(page, portal.url, email, secret)
    expect(page.locator("main")).to_contain_text("Company administrator")
    page.goto(portal.url + "/people")
    page.get_by_role("link", name="Add a person").click()
    page.locator("#f-name").fill("Rauf Visitor")
    page.locator("#f-email").fill("rauf@example.com")
    page.locator("#f-phone").fill("call me")
    page.locator("#f-id_document_type").select_option("passport")
    with page.expect_response(lambda r: r.url.endswith("/people/new") and r.request.method == "POST") as answer:
        page.locator("form[action='/people/new'] button[type=submit]").click()
    assert answer.value.status == 422
    expect(page.locator("#e-phone")).to_be_visible()  # the domain's verdict, next to the field
    expect(page.locator("#f-phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-name")).to_have_value("Rauf Visitor")  # what was typed is kept
    page.locator("#f-phone").fill("+994 12 555 12 34")
    page.locator("form[action='/people/new'] button[type=submit]").click()
    expect(page.locator("#e-id_number")).to_contain_text("both its type and its number")
    page.locator("#f-id_number").fill("AZE1234567")
    page.locator("#f-site_access").check()
    page.locator("form[action='/people/new'] button[type=submit]").click()
    expect(page).to_have_url(portal.url + "/people")
    row = page.locator("#person-list tr:has(td:text-is('Rauf Visitor'))")
    expect(row).to_contain_text("rauf@example.com")
    expect(row).not_to_contain_text("555 12 34")  # masked
    expect(row).not_to_contain_text("AZE1234567")

    row.get_by_role("link", name="Change").click()
    expect(page.locator("#h-phone")).to_contain_text("Leave empty to keep it")
    page.locator("#f-name").fill("Rauf Visitor-Two")
    page.locator("form button[type=submit]").last.click()
    expect(page).to_have_url(portal.url + "/people")
    row = page.locator("#person-list tr:has(td:text-is('Rauf Visitor-Two'))")
    expect(row).to_contain_text("Passport")  # the document was kept, not cleared
    person_id = row.get_attribute("data-person")
    assert person_id is not None
    row.get_by_role("button", name="Remove").click()
    expect(page.locator("#person-list")).to_have_count(0)
    page.goto(f"{portal.url}/people/{person_id}")  # gone
    expect(page.locator("[role=alert]")).to_contain_text("does not exist")


def test_members_cannot_open_the_people_pages(live_portal: Portal, browser_page: Page) -> None:
    page, portal = browser_page, live_portal
    email, secret = tenant_person(portal, page, new_tenant(portal), role="tenant_member")
    sign_in(page, portal.url, email, secret)
    expect(page.locator("main")).to_contain_text("Company member")
    expect(page.locator("nav.sections")).not_to_contain_text("People")
    for path in ("/people", "/people/invite", "/people/new", f"/people/{MISSING}"):
        response = page.goto(portal.url + path)
        assert response is not None and response.status == 403, path
        expect(page.locator("[role=alert]")).to_contain_text("You may not do this.")
    refused = post(page, f"{portal.url}/people/accounts/{portal.account_id(email)}/role", role="tenant_admin")
    assert refused.status == 403
