"""An organisation's brand in a real browser: the lobby and the knock page of a members-only team room."""

import re

from PIL import Image
from playwright.sync_api import expect

from ..support.live import sign_in

ACCENT = "#0b5394"
MESSAGE = "Welcome to Brandco! <b>Someone</b> will let you in shortly."


def brand_owner(live_server, tmp_path, new_page):
    """Brandco's owner uploads a logo and a background, sets a colour and message, makes a members-only room."""
    email = "brand-owner@example.com"
    live_server.flask("create-admin", email)
    live_server.flask("orgs", "create", "brandco", "--owner", email, "--seats", "3", "--name", "Brandco")
    logo, background = tmp_path / "logo.png", tmp_path / "background.jpg"
    Image.new("RGB", (400, 400), (11, 83, 148)).save(logo)
    Image.new("RGB", (1600, 900), (230, 225, 210)).save(background)
    page = new_page()
    sign_in(page, live_server, email)
    page.goto(f"{live_server.url}/org/brandco/branding")
    page.set_input_files("#logo", str(logo))
    page.set_input_files("#background", str(background))
    page.fill("#accent_colour", ACCENT)
    page.fill("#knock_message", MESSAGE)
    page.click("main form button[type=submit]")
    expect(page.locator(".flash").first).to_contain_text("Branding saved")
    page.goto(f"{live_server.url}/org/brandco/rooms")
    page.get_by_label("Room name").fill("front")
    page.get_by_label("Members only").check()
    page.click("main form button:has-text('Create room')")
    expect(page.locator(".team-room")).to_contain_text("brandco-front")
    page.goto(f"{live_server.url}/org/brandco/branding")
    page.screenshot(path=str(live_server.directory / "org-branding.png"), full_page=True)
    return page


def test_brand_in_lobby_and_knock_page(live_server, tmp_path, new_page):
    """Does a visitor see the logo, name, colour and message in the lobby, and still on the knock page?"""
    brand_owner(live_server, tmp_path, new_page)
    visitor = new_page()
    visitor.goto(f"{live_server.url}/brandco-front")
    logo = visitor.locator("#org-logo")
    expect(logo).to_be_visible()
    assert visitor.evaluate("() => document.querySelector('#org-logo').naturalWidth") == 256
    expect(visitor.locator("#org-name")).to_have_text("Brandco")
    expect(visitor.locator("#org-knock-message")).to_have_text(MESSAGE)  # the tags as text, not markup
    assert visitor.locator("#org-knock-message b").count() == 0
    button = visitor.evaluate("() => getComputedStyle(document.querySelector('#join-button')).backgroundColor")
    assert button == "rgb(11, 83, 148)"
    lobby_background = visitor.evaluate("() => getComputedStyle(document.querySelector('.lobby')).backgroundImage")
    assert re.search(r"/org/background/[\w-]+\.webp", lobby_background)
    visitor.screenshot(path=str(live_server.directory / "org-brand-lobby.png"), full_page=True)

    visitor.fill("#display-name", "Visitor")
    visitor.click("#join-button")
    visitor.wait_for_selector("#knock-button:not([hidden])")
    visitor.click("#knock-button")
    expect(visitor.locator("#join-steps [data-step=wait]")).to_be_visible()
    expect(visitor.locator("#org-knock-message")).to_be_visible()
    expect(visitor.locator("#org-logo")).to_be_visible()
    visitor.screenshot(path=str(live_server.directory / "org-brand-knock.png"), full_page=True)
    assert not visitor.console_errors, visitor.console_errors


def test_members_walk_in_as_hosts(live_server, tmp_path, new_page):
    """Does a member who accepted an emailed invitation walk into the members-only room as its host?"""
    owner = brand_owner(live_server, tmp_path, new_page)
    email = "brand-member@example.com"
    live_server.flask("create-admin", email)
    owner.goto(f"{live_server.url}/org/brandco/members")
    owner.get_by_label("Email").fill(email)
    owner.click("button:has-text('Invite')")
    owner.screenshot(path=str(live_server.directory / "org-members.png"), full_page=True)
    link = re.search(
        r"(http\S+/org/invitations/\S+)", live_server.mail.wait_for(email)[-1].get_body(("plain",)).get_content()
    ).group(1)
    member = new_page()
    sign_in(member, live_server, email)
    member.goto(link)
    member.click("#accept-invitation")
    member.goto(f"{live_server.url}/brandco-front")
    member.fill("#display-name", "Member")
    member.click("#join-button")
    member.wait_for_selector("#meeting:not([hidden])")
    expect(member.locator("#lock-toggle")).to_be_visible()
