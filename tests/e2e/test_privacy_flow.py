"""The privacy centre in a real browser: reject analytics, sign up, consent, export, delete."""

import io
import json
import re
import zipfile

from playwright.sync_api import expect


def test_reject_signup_consent_export_delete(live_server, new_page):
    """Can a visitor reject analytics, sign up, grant the newsletter, download the export and delete the account?"""
    email = "pat.privacy@example.com"
    page = new_page()
    page.goto(live_server.url + "/")
    expect(page.locator(".banner-cookies")).to_be_visible()
    page.click(".banner-cookies button[value=reject]")
    expect(page.locator(".banner-cookies")).to_have_count(0)
    assert {c["name"]: c["value"] for c in page.context.cookies()}["parlor_consent"] == "necessary"

    before = len(live_server.mail.to(email))
    page.goto(live_server.url + "/user/signup")
    page.fill("#identifier", email)
    page.fill("#display_name", "Pat Privacy")
    page.check("#accept_terms")
    page.click("main form.stack-form button[type=submit]")
    page.fill("#code", live_server.latest_code(email, after=before))
    page.click("main form.stack-form button[type=submit]")
    page.wait_for_url("**/user/rooms")

    page.goto(live_server.url + "/user/privacy/consents")
    page.click("[data-purpose=newsletter] button:has-text('Agree')")
    expect(page.locator("[data-purpose=newsletter]")).to_contain_text("Agreed on")
    expect(page.locator("[data-purpose=analytics]")).to_contain_text("off")

    page.goto(live_server.url + "/user/privacy/")
    expect(page.locator("[data-category=consents] [data-count]")).to_have_text("1 record")
    page.goto(live_server.url + "/user/privacy/export")
    with page.expect_download() as download_info:
        page.click("#export-button")
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    assert json.loads(archive.read("account.json"))["users"][0]["display_name"] == "Pat Privacy"
    consents = json.loads(archive.read("consents.json"))["consent_events"]
    assert [(c["purpose"], c["granted"], c["source"]) for c in consents] == [("newsletter", True, "settings_page")]

    page.goto(live_server.url + "/user/privacy/delete")
    before = len(live_server.mail.to(email))
    page.click("#delete-send-code")
    page.fill("#code", live_server.latest_code(email, after=before))
    page.click("#delete-confirm")
    page.wait_for_url("**/user/privacy/deleted")
    expect(page.locator("h1")).to_have_text("Your account is deleted")
    assert re.search("deleted", live_server.mail.to(email)[-1]["Subject"])
    page.goto(live_server.url + "/user/profile")
    page.wait_for_url("**/user/login**")
    assert page.console_errors == []
