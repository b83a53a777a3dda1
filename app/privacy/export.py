"""The data export: a ZIP with one JSON file per category, the profile picture and a README."""

import io
import json
import zipfile
from datetime import date, datetime

from flask import current_app

from ..timeutil import utcnow
from .registry import categories


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def record(row, source):
    return {name: _plain(getattr(row, name)) for name in source.fields}


def readme(user):
    lines = [
        "Your data from Parlor",
        "=====================",
        "",
        f"Exported {utcnow():%Y-%m-%d %H:%M} UTC for account #{user.id}.",
        "Each JSON file holds one category of the privacy policy. Times are UTC, ISO 8601.",
        "Conversation content is not here because Parlor never stores it.",
        "",
    ]
    for category in categories():
        lines += [
            f"{category.key}.json: {category.title}",
            f"  Why we hold it: {category.legal_ground}",
            f"  How long: {category.retention()}",
        ]
        for source in category.sources:
            lines.append(f"  [{source.table}]")
            lines += [f"    {name}: {text}" for name, text in source.fields.items()]
            lines += [f"    ({name} is not exported: {why})" for name, why in source.withheld.items()]
        for records in category.outside:
            lines += [f"  [{records.name}] {records.description}:", f"    {', '.join(records.fields)}"]
        lines.append("")
    lines += [
        "avatar.webp: your profile picture, if you uploaded one.",
        "",
        f"Questions: {current_app.config['PRIVACY_EMAIL']}",
    ]
    return "\n".join(lines) + "\n"


def build_export(user):
    """Bytes of the ZIP archive with everything we hold about ``user``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for category in categories():
            content = {source.table: [record(row, source) for row in source.rows(user)] for source in category.sources}
            content |= {records.name: list(records.rows(user)) for records in category.outside}
            archive.writestr(f"{category.key}.json", json.dumps(content, indent=2, ensure_ascii=False))
        if user.avatar_image:
            archive.writestr("avatar.webp", user.avatar_image)
        archive.writestr("README.txt", readme(user))
    return buffer.getvalue()
