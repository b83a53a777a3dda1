"""Imports every model so Alembic and ``db.create_all`` see all tables."""

from .account.consents import ConsentEvent  # noqa: F401
from .admin.models import StaffAction, StaffDevice  # noqa: F401
from .api.models import ApiKey, IdempotencyRecord, Meeting  # noqa: F401
from .auth.models import AccountEvent, LoginCode, OAuthIdentity, User, UserSession  # noqa: F401
from .billing.models import BillingAccount, LedgerEntry, StripeEvent  # noqa: F401
from .nodes.models import NodeNonce, RoomAssignment, SfuNode  # noqa: F401
from .orgs.models import AuditEntry, Invitation, Membership, Organisation  # noqa: F401
from .privacy.models import PolicyAcknowledgement, PolicyAnnouncement, RetentionRun  # noqa: F401
from .rooms.models import Room  # noqa: F401
from .site.models import ContactRequest  # noqa: F401
from .support.models import SupportTicket  # noqa: F401
from .usage.models import UsageEvent  # noqa: F401
