"""Customer webhooks: signed meeting events sent from a durable outbox."""
