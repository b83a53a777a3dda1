"""The embedded REST API (``/v1``): API keys, meetings with an end date, and their OpenAPI description."""
