"""Billing: plans paid through Stripe, webhooks, and the transaction ledger."""


def init_app(app):
    from ..privacy.retention import Rule, register_rule
    from .ledger import RETENTION_DAYS
    from .models import LedgerEntry

    register_rule(
        app,
        Rule(
            "payment transactions",
            LedgerEntry,
            "occurred_at",
            RETENTION_DAYS,
            description="kept ten years for bookkeeping, then deleted",
        ),
    )
