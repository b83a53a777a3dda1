import re
import xml.etree.ElementTree as ET

import pytest

from app.site.pages import PAGES

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
