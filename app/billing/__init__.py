"""Billing: plans paid through Stripe, webhooks, and the transaction ledger."""
