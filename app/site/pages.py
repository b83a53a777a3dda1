"""Every public page of the site, in one list the routes, navigation and site maps share."""

from dataclasses import dataclass

from ..plans import LARGE_MEETING_LIMIT


@dataclass(frozen=True)
class Page:
    endpoint: str
    path: str
    title: str
    template: str
    section: str
    description: str


PAGES = [
    Page(
        "site.home",
        "/",
        "Video meetings in your browser",
        "site/home.html",
        "Parlor",
        "Pick a room name, share the link, meet. No downloads, no ad trackers, nothing said is stored.",
    ),
    Page(
        "site.features",
        "/information/features/",
        "Features",
        "site/features.html",
        "Product",
        "Everything a Parlor room does, from knocking to screen sharing.",
    ),
    Page(
        "site.pro",
        "/information/pro/",
        "Parlor Pro",
        "site/pro.html",
        "Product",
        f"Large meetings for up to {LARGE_MEETING_LIMIT}, more rooms and recording.",
    ),
    Page(
        "site.business",
        "/information/business/",
        "Parlor for business",
        "site/business.html",
        "Product",
        "Organisations for teams: members, seats per host, shared team rooms and your brand.",
    ),
    Page(
        "site.embedded",
        "/information/embedded/",
        "Embedded meetings",
        "site/embedded.html",
        "Product",
        "Parlor meetings inside your own product: what works today and what is coming.",
    ),
    Page(
        "site.product_api",
        "/information/product-api/",
        "Product API",
        "site/product_api.html",
        "Product",
        "The API we are building for creating meetings from your own code.",
    ),
    Page(
        "site.pricing",
        "/information/pricing/",
        "Pricing",
        "site/pricing.html",
        "Sales",
        "Free, Pro and Business compared.",
    ),
    Page(
        "site.contact_sales",
        "/information/contact-sales/",
        "Talk to sales",
        "site/contact_sales.html",
        "Sales",
        "Tell us about your team and we will get back to you.",
    ),
    Page(
        "site.about_us",
        "/information/about-us/",
        "About us",
        "site/about_us.html",
        "About",
        "Who makes Parlor and why.",
    ),
    Page(
        "site.our_vision",
        "/information/our-vision/",
        "Our vision",
        "site/our_vision.html",
        "About",
        "Meetings that feel like being in the same room, without giving up privacy.",
    ),
    Page("site.press", "/information/press/", "Press", "site/press.html", "About", "News, facts and brand material."),
    Page(
        "site.video_conferencing_apps",
        "/information/video-conferencing-apps/",
        "Video conferencing apps",
        "site/video_conferencing_apps.html",
        "About",
        "How browser-based meetings compare with installed apps.",
    ),
    Page(
        "support.index",
        "/support/",
        "Help and support",
        "support/index.html",
        "Support",
        "Answers to common questions and a way to reach us.",
    ),
    Page(
        "site.terms",
        "/information/tos/",
        "Terms of service",
        "site/legal_document.html",
        "Legal",
        "The agreement between you and Parlor.",
    ),
    Page(
        "site.privacy_policy",
        "/information/tos/privacy-policy/",
        "Privacy policy",
        "site/legal_document.html",
        "Legal",
        "What we collect, why, for how long, and your rights.",
    ),
    Page(
        "site.cookie_policy",
        "/information/tos/cookie-policy/",
        "Cookie policy",
        "site/legal_document.html",
        "Legal",
        "Every cookie Parlor sets and why.",
    ),
    Page(
        "site.legal_history",
        "/information/tos/history/",
        "Policy history",
        "site/legal_history.html",
        "Legal",
        "Every version of our legal documents, with what changed.",
    ),
    Page("site.sitemap", "/sitemap/", "Site map", "site/sitemap.html", "Parlor", "Every page on this site."),
]

PAGES_BY_ENDPOINT = {page.endpoint: page for page in PAGES}


def page(endpoint):
    return PAGES_BY_ENDPOINT[endpoint]


def sections():
    """Pages grouped by section, in the order they first appear."""
    grouped = {}
    for entry in PAGES:
        grouped.setdefault(entry.section, []).append(entry)
    return grouped
