"""Every public and signed-in page audited with axe-core against WCAG 2.1 A and AA, at two widths."""

import pytest

from app.site.pages import PAGES

from ..support.live import ROOT, sign_in
from ..support.pages import ACCOUNT_PAGES, ADMIN_PAGES
from ..support.required import unavailable

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Outside checkers also flagged these; axe files them as best practice or obsolete, so they are asked for by name.
ALSO = ["heading-order", "empty-table-header", "duplicate-id", "duplicate-id-active", "landmark-unique"]
WIDTHS = [{"width": 1280, "height": 800}, {"width": 360, "height": 740}]
OWNER = "axe-owner@example.com"
STAFF = "axe-staff@example.com"
LOBBY = "axe-lobby"

# Every page in the site's page list, plus the public pages that are not in it.
PUBLIC_PATHS = [entry.path for entry in PAGES] + [
    "/information/tos/privacy-policy/v1/",
    "/user/signup",
    "/user/login",
    "/no-such-room-yet",
    "/information/no-such-page/",
]
ORG = "axe-org"
ORG_PATHS = [f"/org/{ORG}/{page}" for page in ("members", "rooms", "branding", "billing", "usage", "audit")]
ACCOUNT_PATHS = [*ACCOUNT_PAGES, f"/{LOBBY}", *ORG_PATHS]

RUN_AXE = """
async ([tags, also]) => {
  const rules = Object.fromEntries(also.map((id) => [id, { enabled: true }]));
  const options = { runOnly: { type: "tag", values: tags }, rules, resultTypes: ["violations"] };
  const result = await axe.run(document, options);
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
  }));
}
"""


@pytest.fixture(scope="module")
def axe_path():
    """axe-core from package-lock.json; CI must have it, a laptop without npm may skip."""
    if not AXE.exists():
        message = f"axe-core is missing at {AXE}: run `make {AXE.relative_to(ROOT)}` (npm ci)"
        unavailable(message)
    return str(AXE)


@pytest.fixture(scope="module")
def audit_context(browser):
    # axe is injected as an inline script, which the site's strict CSP rightly refuses; only
    # this audit's browser context ignores the CSP.
    context = browser.new_context(bypass_csp=True, permissions=["camera", "microphone"])
    yield context
    context.close()


def violations_at(page, axe_path):
    """Violations at each width, as readable lines (empty when the page passes)."""
    page.add_script_tag(path=axe_path)
    lines = []
    for viewport in WIDTHS:
        page.set_viewport_size(viewport)
        for violation in page.evaluate(RUN_AXE, [WCAG_21_AA, ALSO]):
            lines.append(f"[{viewport['width']}px] {violation['id']} ({violation['impact']}): {violation['help']}")
            lines.append(f"    {violation['url']}")
            for node in violation["nodes"][:6]:
                summary = " ".join(node["summary"].split())
                lines.append(f"    at {node['target']}: {summary}")
    return lines


def assert_accessible(page, path, axe_path):
    lines = violations_at(page, axe_path)
    assert not lines, f"axe-core found WCAG 2.1 AA violations on {path}:\n" + "\n".join(lines)


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_page_passes_axe(axe_path, live_server, audit_context, path):
    """Does this public page pass axe-core's WCAG 2.1 AA rules at phone and desktop widths?"""
    page = audit_context.new_page()
    try:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert_accessible(page, path, axe_path)
    finally:
        page.close()


def test_form_with_errors_passes_axe(axe_path, live_server, audit_context):
    """Does a form sent back with errors (contact sales) still pass axe-core's WCAG 2.1 AA rules?"""
    page = audit_context.new_page()
    try:
        page.goto(live_server.url + "/information/contact-sales/")
        page.click("form.stack-form button[type=submit]")
        page.wait_for_selector(".form-errors")
        assert_accessible(page, "/information/contact-sales/ (with errors)", axe_path)
    finally:
        page.close()


@pytest.fixture(scope="module")
def signed_in_page(axe_path, live_server, browser):
    """An owner with one room, signed in through the real pages; the code page is audited on the way."""
    live_server.flask("create-admin", OWNER)
    live_server.flask("rooms", "create", LOBBY, "--owner", OWNER)
    live_server.flask("orgs", "create", ORG, "--owner", OWNER, "--seats", "3")
    context = browser.new_context(bypass_csp=True, permissions=["camera", "microphone"])
    page = context.new_page()
    sign_in(page, live_server, OWNER)
    yield page
    context.close()


def test_code_page_passes_axe(axe_path, live_server, browser):
    """Does the page that asks for the sign-in code pass axe-core's WCAG 2.1 AA rules?"""
    live_server.flask("create-admin", "axe-code@example.com")
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/user/login")
        page.fill("#identifier", "axe-code@example.com")
        page.click("main form.stack-form button[type=submit]")
        page.wait_for_url("**/user/verify")
        assert_accessible(page, "/user/verify", axe_path)
    finally:
        context.close()


@pytest.mark.parametrize("path", ACCOUNT_PATHS)
def test_account_page_passes_axe(axe_path, live_server, signed_in_page, path):
    """Does this signed-in page pass axe-core's WCAG 2.1 AA rules at phone and desktop widths?"""
    signed_in_page.goto(live_server.url + path)
    signed_in_page.wait_for_load_state("networkidle")
    assert_accessible(signed_in_page, path, axe_path)


@pytest.fixture(scope="module")
def staff_page(axe_path, live_server, browser):
    """A staff member past the second code, with a ticket to read; the device page is audited on the way."""
    live_server.flask("staff", "add", STAFF)
    live_server.flask("rooms", "create", "axe-staff-room", "--owner", STAFF)
    live_server.flask("purge")
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/support/")
    page.fill("#email", STAFF)
    page.fill("#subject", "Axe ticket")
    page.fill("#message", "A ticket for the console to show.")
    page.click("main form.stack-form button[type=submit]")
    sign_in(page, live_server, STAFF)
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_url("**/admin/device**")
    assert_accessible(page, "/admin/device", axe_path)
    before = len(live_server.mail.to(STAFF))
    page.click("main form.card button[type=submit]")
    page.wait_for_selector("#code")
    assert_accessible(page, "/admin/device (code)", axe_path)
    page.fill("#code", live_server.latest_code(STAFF, after=before))
    page.click("main form.stack-form button[type=submit]")
    page.wait_for_url("**/admin/")
    yield page
    context.close()


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_staff_console_page_passes_axe(axe_path, live_server, staff_page, path):
    """Does this staff console page pass axe-core's WCAG 2.1 AA rules at phone and desktop widths?"""
    staff_page.goto(f"{live_server.url}/admin/users?q={STAFF}")
    staff_id = staff_page.locator("#users tbody a").first.inner_text().lstrip("#")
    staff_page.goto(f"{live_server.url}/admin/tickets")
    ticket_id = staff_page.locator("#tickets tbody a").first.inner_text().lstrip("#")
    concrete = path.format(staff_id=staff_id, ticket_id=ticket_id)
    staff_page.goto(live_server.url + concrete)
    staff_page.wait_for_load_state("networkidle")
    assert_accessible(staff_page, concrete, axe_path)
