"""Everything Parlor holds about a person, by the categories of the privacy policy.

The categories come from the registry (each feature lists its own, see ``registry.py``). The
dashboard counts from here, the export dumps from here, and a test walks the schema to prove
every table that refers to a user is listed, each column described or its withholding explained.
"""

from .registry import categories

__all__ = ["categories", "summary"]


def summary(user):
    """Per category: title, record count, legal ground and retention, for the dashboard."""
    return [
        {
            "key": category.key,
            "title": category.title,
            "count": category.count(user),
            "legal_ground": category.legal_ground,
            "retention": category.retention(),
            "details": category.details(user) if category.details else [],
        }
        for category in categories()
    ]
