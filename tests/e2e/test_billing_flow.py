"""Upgrading in a real browser through Stripe.js (localstripe), then holding a large meeting."""

from playwright.sync_api import expect

from ..support.live import OPEN_CONNECTIONS, join_meeting, sign_in, wait_decoding


def fill_card(page, number):
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill(number)
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("31")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("0150")


def test_free_to_pro_then_a_large_meeting(live_server, sfu_nodes, new_page):
    """Does a free account upgrade to Pro with a test card, its room turn large, and four people meet through a node?"""
    sfu_nodes("e2e-billing-node")
    email = "upgrade-me@example.com"
    live_server.flask("create-admin", email)
    owner = new_page()
    sign_in(owner, live_server, email)
    owner.goto(f"{live_server.url}/user/rooms")
    owner.fill("#name", "upgraded-room")
    owner.click("form.stack-form button[type=submit]")
    expect(owner.locator(".room-card")).to_contain_text("Small meetings, up to 4")

    owner.goto(f"{live_server.url}/user/billing")
    owner.check("#plan-pro")
    owner.fill("#billing_name", "Una Upgrade")
    owner.fill("#billing_email", email)
    owner.select_option("#billing_country", "NO")
    fill_card(owner, "4000000000000002")  # declined first: a clear message, no plan change
    owner.click("#billing-submit")
    expect(owner.locator("#card-errors")).to_be_visible()
    expect(owner.locator("#plan-name")).to_contain_text("Free")

    fill_card(owner, "4242424242424242")
    owner.click("#billing-submit")
    expect(owner.locator("#next-renewal")).to_be_visible(timeout=30000)
    expect(owner.locator("#plan-name")).to_contain_text("Pro")
    expect(owner.locator("#transactions")).to_contain_text("9.99")

    owner.goto(f"{live_server.url}/user/rooms")
    expect(owner.locator(".room-card")).to_contain_text("Automatic: peer-to-peer up to 4")
    # Paying made the room automatic; the owner now sends every meeting through the node.
    owner.select_option("select[name=mode]", "large")
    owner.get_by_role("button", name="Save mode").click()
    expect(owner.locator(".room-card")).to_contain_text("Large meetings, up to 12")
    room = f"{live_server.url}/upgraded-room"
    join_meeting(owner, room, "Owner")
    owner.wait_for_selector("#meeting:not([hidden])")
    guests = [new_page({"width": 800, "height": 600}) for _ in range(3)]
    for index, guest in enumerate(guests):
        join_meeting(guest, room, f"Guest {index}")
        guest.wait_for_selector("#meeting:not([hidden])")
    for page in [owner, *guests]:
        wait_decoding(page, tracks=3, timeout=60)
        assert page.evaluate(OPEN_CONNECTIONS) == 1
