"""Versioned legal documents kept in the repository.

Each document is a folder under ``legal_documents/`` holding one Markdown file per version
(``v1.md``, ``v2.md``…). A file starts with a header block::

    ---
    title: Privacy policy
    version: 2
    effective: 2026-09-01
    material: yes
    summary: What changed, in a sentence or two.
    ---

The body may use ``{{ legal.… }}`` placeholders (operator name, contact addresses,
retention periods) so self-hosters publish their own details.
"""

import difflib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import markdown
from flask import current_app, render_template_string

from ..timeutil import utcnow

DOCUMENTS_DIR = Path(__file__).resolve().parent / "legal_documents"

# slug -> endpoint of the page that shows the current version
DOCUMENT_ENDPOINTS = {
    "terms-of-service": "site.terms",
    "privacy-policy": "site.privacy_policy",
    "cookie-policy": "site.cookie_policy",
}


@dataclass(frozen=True)
class Version:
    document: str
    title: str
    version: int
    effective: date
    material: bool
    summary: str
    source: str

    @property
    def version_id(self):
        return f"{self.document}@{self.version}"

    def in_force(self, today=None):
        return self.effective <= (today or utcnow().date())


def parse(document, text):
    if not text.startswith("---\n"):
        raise ValueError(f"{document}: a version must start with a '---' header")
    header, body = text[4:].split("\n---\n", 1)
    fields = dict(line.split(":", 1) for line in header.strip().splitlines())
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    return Version(
        document=document,
        title=fields["title"],
        version=int(fields["version"]),
        effective=date.fromisoformat(fields["effective"]),
        material=fields["material"].lower() in ("yes", "true"),
        summary=fields["summary"],
        source=body.strip() + "\n",
    )


@cache
def _load(directory):
    documents = {}
    for folder in sorted(Path(directory).iterdir()):
        if folder.is_dir():
            versions = [parse(folder.name, f.read_text()) for f in folder.glob("v*.md")]
            documents[folder.name] = sorted(versions, key=lambda v: v.version)
    return documents


def documents():
    """Every document's versions, oldest first."""
    return _load(current_app.config.get("LEGAL_DOCUMENTS_DIR") or str(DOCUMENTS_DIR))


def versions(document):
    return documents()[document]


def get_version(document, number):
    for version in documents().get(document, []):
        if version.version == number:
            return version
    return None


def current(document, today=None):
    """The version in force today (the first one, if none has taken effect yet)."""
    in_force = [v for v in versions(document) if v.in_force(today)]
    return in_force[-1] if in_force else versions(document)[0]


def upcoming(document, today=None):
    return [v for v in versions(document) if not v.in_force(today)]


def legal_context():
    config = current_app.config
    return {
        "operator": config.get("OPERATOR_NAME", "Parlor"),
        "operator_address": config.get("OPERATOR_ADDRESS", ""),
        "dpo": config["DATA_PROTECTION_OFFICER"],
        "privacy_email": config["PRIVACY_EMAIL"],
        "support_email": config["SUPPORT_EMAIL"],
        "authority": config.get("SUPERVISORY_AUTHORITY"),
        "authority_url": config.get("SUPERVISORY_AUTHORITY_URL"),
        "usage_days": config["USAGE_RETENTION_DAYS"],
        "log_days": config["TECHNICAL_LOG_RETENTION_DAYS"],
        "unverified_days": config["UNVERIFIED_SIGNUP_RETENTION_DAYS"],
        "ticket_days": config["CLOSED_TICKET_RETENTION_DAYS"],
        "notice_days": config["POLICY_NOTICE_DAYS"],
        "signin_days": config["SIGNIN_RETENTION_DAYS"],
        "correspondence_days": config["CORRESPONDENCE_RETENTION_DAYS"],
        "staff_audit_days": config["STAFF_AUDIT_RETENTION_DAYS"],
        "staff_device_days": config["STAFF_DEVICE_DAYS"],
    }


def rendered_text(version):
    """The version's Markdown with this installation's details filled in."""
    return render_template_string(version.source, legal=legal_context())


def to_html(version):
    return markdown.markdown(rendered_text(version), extensions=["tables", "toc", "sane_lists"])


def diff_lines(old, new):
    """A line diff between two versions: (kind, text) pairs, kind in '=', '+', '-'."""
    before = rendered_text(old).splitlines() if old else []
    after = rendered_text(new).splitlines()
    rows = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(("=", line) for line in before[a1:a2])
        else:
            rows.extend(("-", line) for line in before[a1:a2])
            rows.extend(("+", line) for line in after[b1:b2])
    return rows


def changed_hunks(old, new, context=2):
    """Only the changed lines with a little context, grouped into hunks for display."""
    rows = diff_lines(old, new)
    keep = set()
    for index, (kind, _) in enumerate(rows):
        if kind != "=":
            keep.update(range(max(0, index - context), min(len(rows), index + context + 1)))
    hunks, current_hunk, previous = [], [], None
    for index in sorted(keep):
        if previous is not None and index != previous + 1:
            hunks.append(current_hunk)
            current_hunk = []
        current_hunk.append(rows[index])
        previous = index
    if current_hunk:
        hunks.append(current_hunk)
    return hunks
