"""Who may open an organisation's pages: checked against the database on every request."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from . import services


def org_page(manage=False):
    """Pass (org, the signed-in member's membership) to the view.

    Someone outside the organisation gets 404, as if it did not exist (its name stays private);
    a member whose role does not allow the page gets 403.
    """

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(slug, **kwargs):
            org = services.get_org(slug)
            me = services.membership(org, current_user) if org is not None else None
            if me is None:
                abort(404)
            if manage and not me.manages:
                abort(403, "Only the organisation's owners and admins can do that.")
            return view(org, me, **kwargs)

        return wrapped

    return decorate
