"""The developer page (``/user/developers``): API keys now; allowed origins and webhooks join it."""
