"""Signing up and setting up a profile in a real browser."""

import io

from PIL import Image
from playwright.sync_api import expect


def test_sign_up_then_name_and_picture(live_server, new_page, tmp_path):
    """Does a person sign up by email, set a display name and a picture, and see both on the profile?"""
    email = "new.person@example.com"
    page = new_page({"width": 390, "height": 844})
    page.goto(live_server.url + "/user/signup")
    page.fill("#identifier", email)
    page.check("#accept_terms")
    before = len(live_server.mail.to(email))
    page.click("main form.stack-form button[type=submit]")
    page.wait_for_url("**/user/verify")
    expect(page.locator("main")).to_contain_text("ne•")  # where the code went, masked
    page.fill("#code", live_server.latest_code(email, after=before))
    page.click("main form.stack-form button[type=submit]")
    page.wait_for_url("**/user/rooms")
    expect(page.locator(".flash-success")).to_contain_text("Welcome to Parlor")

    page.goto(live_server.url + "/user/profile")
    page.fill("#display_name", "  Nova Person  ")
    page.click("form[action$='/profile/name'] button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("display name is saved")
    expect(page.locator("#display_name")).to_have_value("Nova Person")

    picture = tmp_path / "me.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 40, 160)).save(buffer, format="JPEG")
    picture.write_bytes(buffer.getvalue())
    page.set_input_files("#picture", str(picture))
    page.click("form[action$='/profile/picture'] button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("new picture is saved")
    avatar = page.locator("img.avatar-large")
    expect(avatar).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", avatar.element_handle()) == 256
    page.screenshot(path=str(tmp_path / "profile.png"), full_page=True)
    assert page.console_errors == []
