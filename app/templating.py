"""What every template can use: navigation, footer links and small filters."""

from datetime import date, datetime

from flask import current_app

from .plans import AUTO, LARGE, LARGE_MEETING_LIMIT, PLANS, SMALL, SMALL_MEETING_LIMIT, VIA_NODE, VIA_PEERS

PRODUCT_MENU = [
    ("site.features", "Features", "What a Parlor room can do"),
    ("site.business", "Business", "More rooms for busy hosts"),
    ("site.pro", "Pro", "Bigger meetings, more rooms"),
    ("site.embedded", "Embedded", "Coming: Parlor inside your product"),
]

FOOTER = [
    (
        "About",
        [
            ("site.about_us", "About us"),
            ("site.our_vision", "Our vision"),
            ("site.press", "Press"),
            ("site.video_conferencing_apps", "Video conferencing apps"),
        ],
    ),
    (
        "Sales",
        [
            ("site.pricing", "Pricing"),
            ("site.pro", "Pro"),
            ("site.business", "Business"),
            ("site.embedded", "Embedded"),
            ("site.product_api", "Product API"),
            ("site.contact_sales", "Contact sales"),
        ],
    ),
    (
        "Support",
        [
            ("support.index", "Help and support"),
            ("site.sitemap", "Site map"),
        ],
    ),
    (
        "Legal",
        [
            ("site.terms", "Terms of service"),
            ("site.privacy_policy", "Privacy policy"),
            ("site.cookie_policy", "Cookie policy"),
            ("site.legal_history", "Policy history"),
        ],
    ),
]


def format_date(value):
    if isinstance(value, (date, datetime)):
        return f"{value:%-d %B %Y}"
    return value


def format_datetime(value):
    if isinstance(value, datetime):
        return f"{value:%-d %B %Y, %H:%M} UTC"
    return value


def site_context():
    return {
        "product_menu": PRODUCT_MENU,
        "footer_sections": FOOTER,
        "social_links": current_app.config.get("SOCIAL_LINKS", []),
        "current_year": date.today().year,
        "plans_by_key": PLANS,
        # Meeting modes and sizes come from app/plans.py only, never a literal in a template.
        "SMALL": SMALL,
        "LARGE": LARGE,
        "AUTO": AUTO,
        "VIA_NODE": VIA_NODE,
        "VIA_PEERS": VIA_PEERS,
        "small_meeting_limit": SMALL_MEETING_LIMIT,
        "large_meeting_limit": LARGE_MEETING_LIMIT,
    }


def init_app(app):
    app.context_processor(site_context)
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
