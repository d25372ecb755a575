"""Who may do what with portal accounts: the same table format as tenants/policy.py, merged
with the other domains' tables by api/guards.py and read by the portal's guard (web/guard.py).

Portal pages that perform an API operation are not listed here: they name that operation
(`opt={"acts_as": ...}`) and its entry in the owning domain's table decides (one rule).
"""

from __future__ import annotations

from colo.identity import FACILITY_ROLES, LOG_REVIEWERS, OPS, SECURITY, STAFF_ROLES, TENANT_ADMIN, TENANT_ROLES, Role

POLICY: dict[str, frozenset[Role]] = {
    # signing out (here, or everywhere): every portal account — the facility's people, the gate
    # screen's account (role gate: a tablet at the entrance that signs in like a person and may
    # open the gate screen and its own account only; the gate's API key stays a key) and a tenant's
    "portal_sign_out": FACILITY_ROLES | TENANT_ROLES,
    "portal_sign_out_everywhere": FACILITY_ROLES | TENANT_ROLES,
    # a tenant admin invites a colleague into its own tenant
    "invite_account_form": TENANT_ADMIN,
    "invite_account": TENANT_ADMIN,
    # a tenant admin makes its tenant's people administrators or members, and removes them
    "portal_change_account_role": TENANT_ADMIN,
    "portal_remove_account": TENANT_ADMIN,
    # ops list, create and disable the facility's staff accounts
    "portal_staff_accounts": OPS,
    "portal_create_staff_account": OPS,
    "portal_disable_staff_account": OPS,
    # every account's own page (profile, language, sessions), the gate screen's too
    "portal_account": FACILITY_ROLES | TENANT_ROLES,
    # the access review (who can get in and who can act): security officers and auditors read it,
    # security officers revoke from it
    "portal_access_review": LOG_REVIEWERS,
    "portal_access_review_revoke": SECURITY,
    # the ops console's tenant pages (list and detail; suspending and the rest act as the API's
    # operations): the facility's staff only — list_tenants/get_tenant would let a tenant in
    "portal_ops_tenants": STAFF_ROLES,
    # the ops console's capacity map: every rack of a hall by free units and power headroom
    "portal_capacity_map": OPS,
}

# The API's public operations (documented in the OpenAPI document): none here.
PUBLIC: frozenset[str] = frozenset()

# Portal pages anyone may open without signing in: the start page (the sign-in form, or the home
# page for a signed-in person), sign-in, one-time links, the language switch, the application
# form and its tracking (where, once approved, the tracking secret sets up the company's first
# administrator: accounts/first_admin.py), and the portal's static files. The portal's guard (web/guard.py) denies
# by default: a portal route whose operation id is neither here nor in POLICY is refused.
PORTAL_PUBLIC: frozenset[str] = frozenset({
    "portal_index", "portal_sign_in_form", "portal_sign_in", "portal_welcome_form", "portal_welcome",
    "portal_language", "portal_apply_form", "portal_apply", "portal_track_form", "portal_track",
    "portal_track_administrator", "portal_static",
})
