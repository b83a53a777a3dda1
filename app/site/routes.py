from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from ..api import reference
from ..extensions import db, limiter
from . import legal
from .forms import ContactSalesForm
from .pages import PAGES, page, sections
from .services import submit_contact_request

bp = Blueprint("site", __name__)

FORM_LIMIT = "5 per minute;30 per day"


def render_page(endpoint, **context):
    return render_template(page(endpoint).template, page=page(endpoint), **context)


def static_page(endpoint):
    def view():
        return render_page(endpoint)

    view.__name__ = endpoint.split(".", 1)[1]
    return view


# Pages that are only copy: one view each, made from the shared page list.
COPY_PAGES = (
    "site.home",
    "site.features",
    "site.pro",
    "site.business",
    "site.embedded",
    "site.about_us",
    "site.our_vision",
    "site.press",
    "site.video_conferencing_apps",
)
for _endpoint in COPY_PAGES:
    bp.add_url_rule(page(_endpoint).path, view_func=static_page(_endpoint))


@bp.route("/information/product-api/")
def product_api():
    """The API reference, printed from the same OpenAPI document /v1/openapi.json serves."""
    return render_page("site.product_api", operations=reference.operations(), schemas=reference.schemas())


@bp.route("/information/pricing/")
def pricing():
    from ..plans import PLANS, comparison_rows

    return render_page("site.pricing", plans=list(PLANS.values()), rows=comparison_rows())


@bp.route("/information/contact-sales/", methods=["GET", "POST"])
@limiter.limit(FORM_LIMIT, methods=["POST"])
def contact_sales():
    form = ContactSalesForm()
    if form.validate_on_submit():
        submit_contact_request(
            name=form.name.data,
            email=form.email.data,
            company=form.company.data,
            team_size=form.team_size.data,
            message=form.message.data,
        )
        db.session.commit()
        flash("Thank you. Our sales team has your message and will reply within one working day.", "success")
        return redirect(url_for("site.contact_sales"))
    status = 400 if form.errors else 200
    return render_page("site.contact_sales", form=form), status


def legal_page(slug, endpoint):
    version = legal.current(slug)
    return render_page(
        endpoint,
        version=version,
        body=legal.to_html(version),
        upcoming=legal.upcoming(slug),
    )


@bp.route("/information/tos/")
def terms():
    return legal_page("terms-of-service", "site.terms")


@bp.route("/information/tos/privacy-policy/")
def privacy_policy():
    return legal_page("privacy-policy", "site.privacy_policy")


@bp.route("/information/tos/cookie-policy/")
def cookie_policy():
    return legal_page("cookie-policy", "site.cookie_policy")


@bp.route("/information/tos/history/")
def legal_history():
    history = []
    for slug, versions in legal.documents().items():
        entries = []
        for index, version in enumerate(versions):
            previous = versions[index - 1] if index else None
            entries.append({"version": version, "previous": previous, "hunks": legal.changed_hunks(previous, version)})
        history.append({"slug": slug, "endpoint": legal.DOCUMENT_ENDPOINTS.get(slug), "entries": entries[::-1]})
    return render_page("site.legal_history", history=history)


@bp.route("/information/tos/<slug>/v<int:number>/")
def legal_version(slug, number):
    version = legal.get_version(slug, number)
    if version is None:
        abort(404)
    return render_template(
        "site/legal_document.html",
        page=page(legal.DOCUMENT_ENDPOINTS[slug]),
        version=version,
        body=legal.to_html(version),
        upcoming=[],
        archived=version != legal.current(slug),
    )


@bp.route("/sitemap/")
def sitemap():
    return render_page("site.sitemap", sections=sections())


@bp.route("/sitemap.xml")
def sitemap_xml():
    urls = [url_for(entry.endpoint, _external=True) for entry in PAGES]
    xml = render_template("site/sitemap.xml", urls=urls)
    return Response(xml, mimetype="application/xml")


# Search engines may index the listed pages and the way in; every other page (rooms, accounts,
# archived policies, errors) says noindex. Rooms cannot be listed in robots.txt, as they share the
# root with everything else, and a crawler barred by robots.txt would never see their noindex.
INDEXABLE = {entry.endpoint for entry in PAGES} | {"auth.signup", "auth.login"}
PRIVATE_PREFIXES = ("/user/", "/api/", "/stripe/", "/socket.io/", "/metrics")


@bp.app_template_global()
def indexable(endpoint):
    return endpoint in INDEXABLE


@bp.after_app_request
def keep_unlisted_pages_out_of_search(response):
    if response.mimetype == "text/html" and not indexable(request.endpoint):
        response.headers.setdefault("X-Robots-Tag", "noindex")
    return response


@bp.route("/robots.txt")
def robots_txt():
    lines = ["User-agent: *"] + [f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES]
    lines.append(f"Sitemap: {url_for('site.sitemap_xml', _external=True)}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
