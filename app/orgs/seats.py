"""Seats: how many members an organisation may have, and the Business subscription that pays for them.

A billed organisation's seats are its payer's subscription item quantity at Stripe, changed with
prorations, so adding a seat mid-month costs only the rest of the month. Operators' organisations
(``flask orgs create``) have a fixed number and no billing.
"""

from ..billing import stripe_api
from ..billing.services import account_of
from ..billing.state import apply_subscription
from ..billing.stripe_api import call, client, field, options
from . import audit
from .services import NotAllowed, OrgError, require_manager, seats_taken


def subscription_seats(user):
    """The seats ``user``'s live subscription pays for (1 without one, or without Stripe)."""
    account = account_of(user)
    if account is None or not account.live or not stripe_api.configured():
        return 1
    sub = call(client().v1.subscriptions.retrieve, account.stripe_subscription_id)
    return int(field(stripe_api.subscription_item(sub), "quantity", default=1))


def set_seats(org, actor, seats, operation):
    """Buy or give back seats; never fewer than the members and open invitations already hold."""
    require_manager(actor)
    if not org.billed:
        raise NotAllowed("This organisation's seats are set by the site's operator.")
    taken = seats_taken(org)
    if seats < taken:
        raise OrgError(f"Members and open invitations hold {taken} seats. Remove someone first.")
    if seats == org.seats:
        return org
    account = account_of(org.billed_user) if org.billed_user else None
    if account is None or not account.live:
        raise OrgError("The Business subscription that pays for this organisation is not active.")
    sub = call(client().v1.subscriptions.retrieve, account.stripe_subscription_id)
    item = stripe_api.subscription_item(sub)
    sub = call(
        client().v1.subscriptions.update,
        account.stripe_subscription_id,
        params={"items": [{"id": item["id"], "plan": stripe_api.object_id(field(item, "plan")), "quantity": seats}]},
        options=options(f"org-{org.id}:{operation}", f"seats-{seats}"),
    )
    apply_subscription(account, sub)
    audit.record(org, actor.user, "seats_changed", detail=f"{org.seats} to {seats}")
    org.seats = seats
    return org
