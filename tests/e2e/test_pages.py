"""The public pages in a real browser, at phone and desktop widths."""

from pathlib import Path

import pytest

from ..support.live import sign_in
from ..support.pages import ACCOUNT_PAGES

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    directory = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/information/features/",
        "/information/pro/",
        "/information/business/",
        "/information/embedded/",
        "/information/product-api/",
        "/information/pricing/",
        "/information/tos/history/",
        "/user/signup",
    ],
)
def test_page_renders_without_console_errors(live_server, new_page, shots, viewport, path):
    """Does the page load with no console errors, no horizontal scrolling, and its heading visible?"""
    page = new_page(viewport)
    response = page.goto(live_server.url + path)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.console_errors == []
    assert page.locator("h1").first.is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {viewport['width']}px"
    name = (path.strip("/").replace("/", "-") or "home") + f"-{viewport['width']}.png"
    page.screenshot(path=str(shots / name), full_page=True)


def test_phone_menu_opens_with_the_keyboard(live_server, new_page):
    """On a phone, can the menu be opened from the keyboard and reach the pricing link?"""
    page = new_page(PHONE)
    page.goto(live_server.url + "/")
    assert not page.locator("#site-nav").is_visible()
    page.focus("[data-nav-toggle]")
    page.keyboard.press("Enter")
    assert page.locator("#site-nav").is_visible()
    assert page.get_attribute("[data-nav-toggle]", "aria-expanded") == "true"
    assert page.locator("#site-nav >> text=Pricing").is_visible()


def test_form_errors_are_announced(live_server, new_page):
    """Does an invalid contact form come back with its errors linked to the fields?"""
    page = new_page(DESKTOP)
    page.goto(live_server.url + "/information/contact-sales/")
    page.click("form.stack-form button[type=submit]")
    assert page.locator(".form-errors").is_visible()
    described = page.get_attribute("#email", "aria-describedby")
    assert "email-error" in described
    assert page.get_attribute("#email", "aria-invalid") == "true"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_account_pages_fit_and_load_cleanly(live_server, new_page, shots, viewport):
    """Do the signed-in pages load without console errors or sideways scrolling at phone and desktop widths?"""
    email = f"pages-{viewport['width']}@example.com"
    live_server.flask("create-admin", email)
    page = new_page(viewport)
    sign_in(page, live_server, email)
    for path in ACCOUNT_PAGES:
        assert page.goto(live_server.url + path).status == 200
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {viewport['width']}px"
        name = path.strip("/").replace("/", "-") + f"-{viewport['width']}.png"
        page.screenshot(path=str(shots / name), full_page=True)
    assert page.console_errors == []
