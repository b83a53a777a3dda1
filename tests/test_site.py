import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from urllib.robotparser import RobotFileParser

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.site.models import ContactRequest
from app.site.pages import PAGES

from .support.accounts import csrf_token

ROOT = Path(__file__).resolve().parents[1]

HEADINGS = {
    "/": "A room of your own, one link away",
    "/information/features/": "Features",
    "/information/pro/": "Parlor Pro",
    "/information/business/": "Parlor for business",
    "/information/embedded/": "Embedded meetings",
    "/information/product-api/": "Product API",
    "/information/pricing/": "Pricing",
    "/information/about-us/": "About us",
    "/information/our-vision/": "Our vision",
    "/information/press/": "Press",
    "/information/video-conferencing-apps/": "Video conferencing apps",
    "/information/contact-sales/": "Talk to sales",
    "/support/": "Help and support",
    "/information/tos/": "Terms of service",
    "/information/tos/privacy-policy/": "Privacy policy",
    "/information/tos/cookie-policy/": "Cookie policy",
    "/information/tos/history/": "Policy history",
    "/sitemap/": "Site map",
}


def h1(html):
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else None


@pytest.mark.parametrize("path,heading", HEADINGS.items())
def test_public_page_has_its_heading(client, path, heading):
    """Does every public page answer 200 with its own heading?"""
    response = client.get(path)
    assert response.status_code == 200
    assert h1(response.get_data(as_text=True)) == heading


def test_every_listed_page_is_tested():
    """Is every page in the shared page list covered by the heading test?"""
    assert {page.path for page in PAGES} == set(HEADINGS)


def test_sitemap_xml_lists_every_page(client):
    """Is sitemap.xml valid XML that lists every public page?"""
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = {loc.text.replace("http://localhost", "") for loc in root.findall("s:url/s:loc", namespace)}
    assert locations == set(HEADINGS)


def test_sitemap_page_links_every_page(client):
    """Does the human site map link to every public page?"""
    html = client.get("/sitemap/").get_data(as_text=True)
    for path in HEADINGS:
        assert f'href="{path}"' in html


def test_robots_txt_points_to_the_sitemap(client):
    """Does robots.txt keep crawlers out of accounts and name the sitemap?"""
    text = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /user/" in text
    assert "Sitemap: http://localhost/sitemap.xml" in text


def robots(client, ignore_allow=False):
    lines = client.get("/robots.txt").get_data(as_text=True).splitlines()
    parser = RobotFileParser()
    parser.parse([line for line in lines if not (ignore_allow and line.startswith("Allow:"))])
    return parser


@pytest.mark.parametrize("ignore_allow", [False, True], ids=["crawler", "crawler-ignoring-allow"])
def test_robots_txt_lets_crawlers_reach_public_pages_sitemap_and_static(client, ignore_allow):
    """Can a crawler, even one that skips Allow lines, fetch every listed page, the sitemap and the static files?"""
    parser = robots(client, ignore_allow)
    for path in [*HEADINGS, "/sitemap.xml", "/static/css/parlor.css", "/static/img/logo.svg"]:
        assert parser.can_fetch("*", f"http://localhost{path}"), path


def test_robots_txt_fences_private_areas(client):
    """Does robots.txt keep crawlers out of accounts, the node API, Stripe's webhook and the socket endpoint?"""
    parser = robots(client)
    for path in ("/user/profile", "/user/privacy/export", "/api/nodes/register", "/stripe/webhook", "/socket.io/"):
        assert not parser.can_fetch("*", f"http://localhost{path}"), path


@pytest.fixture
def alice_room(client, alice):
    client.post("/user/rooms", data={"csrf_token": csrf_token(client, "/user/rooms"), "name": "alice-room"})
    return "alice-room"


def test_room_lobby_is_kept_out_of_search(client, alice_room):
    """Does a room's lobby tell search engines not to index it, in its headers and its markup?"""
    response = client.get(f"/{alice_room}")
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.get_data(as_text=True)


def test_unknown_room_is_kept_out_of_search(client):
    """Does the page for a room nobody has claimed tell search engines not to index it?"""
    response = client.get("/nobody-has-this-room")
    assert response.status_code == 404
    assert response.headers["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize("path", HEADINGS)
def test_listed_pages_may_be_indexed(client, path):
    """Is every page in the site's page list left open to search engines?"""
    response = client.get(path)
    assert "X-Robots-Tag" not in response.headers
    assert 'name="robots"' not in response.get_data(as_text=True)


def repeated_ids(html):
    return sorted(name for name, times in Counter(re.findall(r'\sid="([^"]+)"', html)).items() if times > 1)


@pytest.mark.parametrize("path", ["/user/rooms", "/user/profile", "/user/privacy/consents"])
def test_page_with_several_forms_repeats_no_id(client, alice_room, path):
    """Does a page with several forms (each with its CSRF token) use every id only once?"""
    html = client.get(path).get_data(as_text=True)
    assert html.count('name="csrf_token"') > 1
    assert repeated_ids(html) == []


def test_code_page_with_two_forms_repeats_no_id(auth, client):
    """Does the sign-in code page, with its code and resend forms, use every id only once?"""
    auth.request_code("alice@example.com", path="/user/signup", accept_terms="y")
    html = client.get("/user/verify").get_data(as_text=True)
    assert html.count('name="csrf_token"') >= 2
    assert repeated_ids(html) == []


def test_consent_buttons_are_named_by_their_visible_word(client, alice):
    """Does each consent button's accessible name start with the word it shows (WCAG 2.5.3)?"""
    html = client.get("/user/privacy/consents").get_data(as_text=True)
    choices = re.search(r'<ul class="consent-list">(.*?)</ul>', html, re.S).group(1)
    consent_buttons = re.findall(r"<button([^>]*)>(.*?)</button>", choices, re.S)
    assert len(consent_buttons) >= 2
    for attributes, inner in consent_buttons:
        assert "aria-label" not in attributes
        visible = re.sub(r'<span class="visually-hidden">.*?</span>', "", inner).strip()
        name = re.sub(r"<[^>]+>", "", inner).strip()
        assert visible in ("Agree", "Withdraw")
        assert name.startswith(visible + " ") or name.startswith(visible + ":")


def contrast(foreground, background):
    def luminance(colour):
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_eyebrow_keeps_a_margin_over_the_hero_gradient():
    """Does the eyebrow's orange keep at least 5:1 contrast at both ends of the hero's gradient (AA is 4.5)?"""
    css = (ROOT / "app" / "static" / "css" / "parlor.css").read_text()
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    eyebrow = re.search(r"\.eyebrow \{[^}]*[;{]\s*color: var\(--([\w-]+)\)", css).group(1)
    ends = re.search(r"\.hero \{[^}]*linear-gradient\(180deg, var\(--([\w-]+)\), var\(--([\w-]+)\)\)", css).groups()
    for end in ends:
        assert contrast(colours[eyebrow], colours[end]) >= 5, end


@pytest.mark.parametrize(
    "path,unbacked",
    [
        ("/information/features/", "browser to browser"),  # chat is relayed by our server
        ("/information/embedded/", "iframe"),  # every page sends frame-ancestors 'none'
        ("/information/pro/", "Switch a room"),  # no control changes a room's mode
        ("/", "near each participant"),  # a meeting has one router, not one per person
        ("/information/product-api/", "/api/v1/"),  # the API lives at /v1
        ("/information/pricing/", "Team management"),  # no plan has teams yet
    ],
)
def test_page_makes_no_claim_the_code_does_not_back(client, path, unbacked):
    """Does the page stay clear of a promise the product does not keep today?"""
    assert unbacked.lower() not in client.get(path).get_data(as_text=True).lower()


def test_pages_refuse_framing_while_embedding_is_unbuilt(client, alice_room):
    """Does a room refuse to be framed, as the embedded page now says?"""
    response = client.get(f"/{alice_room}")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_sales_enquiry_is_committed_once(client, mailbox):
    """Is a sales enquiry stored with one commit, after the mail to sales was tried?"""
    commits = []
    listener = lambda session: commits.append(session)  # noqa: E731
    sa.event.listen(sa.orm.Session, "after_commit", listener)
    try:
        data = {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "team_size": "11-50",
            "message": "We would like rooms for our 30 engineers.",
            "csrf_token": csrf_token(client, "/information/contact-sales/"),
        }
        commits.clear()
        assert client.post("/information/contact-sales/", data=data).status_code == 302
    finally:
        sa.event.remove(sa.orm.Session, "after_commit", listener)
    assert len(commits) == 1
    with client.application.app_context():
        assert db.session.scalar(sa.select(ContactRequest)).mailed_at is not None


def test_unknown_path_gets_the_404_page(client):
    """Does an unknown nested path get the designed 404 page?"""
    response = client.get("/information/nothing-here/")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_navigation_and_footer_sections(client):
    """Does the home page carry the product menu, log in, get started and the footer sections?"""
    html = client.get("/").get_data(as_text=True)
    for label in ("Features", "Business", "Pro", "Embedded", "Pricing", "Support", "Log in", "Get started"):
        assert f">{label}<" in html or f"<strong>{label}</strong>" in html
    for section in ("About", "Sales", "Social", "Support", "Legal"):
        assert f"<h2>{section}</h2>" in html


def test_pricing_table_comes_from_the_plans(client):
    """Is the pricing table generated from the plan limits in app.plans?"""
    from app.plans import PLANS

    html = client.get("/information/pricing/").get_data(as_text=True)
    for plan in PLANS.values():
        assert plan.name in html
        assert plan.price_label in html
        assert f"Up to {plan.max_participants}" in html
    for label in ("Rooms", "Participants per meeting", "Meeting modes", "Recording in your browser"):
        assert label in html


def test_pricing_follows_a_changed_plan(client, monkeypatch):
    """Does changing a plan's limit in code change the pricing page?"""
    import dataclasses

    from app import plans

    monkeypatch.setitem(plans.PLANS, "pro", dataclasses.replace(plans.PLANS["pro"], max_rooms=7))
    html = client.get("/information/pricing/").get_data(as_text=True)
    assert "<td>7</td>" in html


def test_privacy_policy_covers_every_category(client):
    """Does the privacy policy name every data category, its legal ground, retention, rights, DPO and authority?"""
    html = client.get("/information/tos/privacy-policy/").get_data(as_text=True)
    for phrase in (
        "Account information",
        "Room information",
        "Transaction information",
        "Usage information",
        "Product analytics",
        "Technical logs",
        "Device information",
        "Approximate location",
        "Customer support information",
        "Correspondence",
        "Consent records",
        "art. 6(1)(b)",
        "art. 6(1)(c)",
        "art. 6(1)(f)",
        "art. 6(1)(a)",
        "At least 5 years and at most 10 years",
        "Data protection officer",
        "Datatilsynet",
        "right to",
        "rectification",
        "erasure",
        "data portability",
    ):
        assert phrase in html, phrase


def test_history_lists_every_version_with_a_diff(client):
    """Does the history page list every version of every document, with what changed?"""
    from app.site import legal

    with client.application.app_context():
        documents = legal.documents()
    html = client.get("/information/tos/history/").get_data(as_text=True)
    for slug, versions in documents.items():
        assert f'id="{slug}"' in html
        for version in versions:
            assert f"/information/tos/{slug}/v{version.version}/" in html
    assert 'class="diff-line diff-add"' in html
    assert "Google" in html  # what privacy policy version 2 added


def test_old_version_is_readable(client):
    """Can an earlier version of a document still be read, marked as earlier?"""
    html = client.get("/information/tos/privacy-policy/v1/").get_data(as_text=True)
    assert "This is an earlier version" in html


def test_unknown_version_is_404(client):
    """Does asking for a version that does not exist give a 404?"""
    assert client.get("/information/tos/privacy-policy/v99/").status_code == 404


def test_version_metadata_is_complete(app):
    """Does every legal version carry an id, an effective date, a material flag and a summary?"""
    from app.site import legal

    with app.app_context():
        for versions in legal.documents().values():
            for version in versions:
                assert version.version_id and version.effective and version.summary
                assert isinstance(version.material, bool)


def test_healthz_reports_the_database(client):
    """Does /healthz answer ok when the database is reachable?"""
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
