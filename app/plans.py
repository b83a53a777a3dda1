"""The plans Parlor sells, in the one place the pricing page, room limits and billing read."""

from dataclasses import dataclass

from sfu_node.protocol import LARGE_MEETING_LIMIT, SMALL_MEETING_LIMIT  # one definition for app and nodes

SMALL = "small"  # peer-to-peer mesh
LARGE = "large"  # through an SFU node
AUTO = "auto"  # peer-to-peer while small, through the node once it grows
MODES = (SMALL, LARGE, AUTO)

# How a meeting's media travels right now (the current transport of an auto meeting).
VIA_PEERS = "peers"
VIA_NODE = "node"
# An auto meeting moves to its node when it outgrows a mesh, and back once it has been this
# small for this long; the gap between the two sizes keeps a fourth person's comings and
# goings from moving everyone back and forth.
AUTO_TO_NODE_AT = SMALL_MEETING_LIMIT + 1
AUTO_BACK_AT = SMALL_MEETING_LIMIT - 1
AUTO_BACK_AFTER_SECONDS = 30


@dataclass(frozen=True)
class Plan:
    key: str
    name: str
    tagline: str
    monthly_price_cents: int
    currency: str
    max_rooms: int
    max_participants: int
    meeting_modes: tuple
    recording: bool
    teams: bool
    per_host: bool = False
    api: bool = False  # API keys, meetings through /v1 (app/api/)

    @property
    def price_label(self):
        amount = self.monthly_price_cents / 100
        return f"€{amount:.2f}" if amount else "€0"

    @property
    def paid(self):
        return self.monthly_price_cents > 0

    @property
    def large_meetings(self):
        return LARGE in self.meeting_modes

    @property
    def room_modes(self):
        """The modes an owner may pick for a room: auto only comes with large meetings."""
        return (AUTO, *self.meeting_modes) if self.large_meetings else self.meeting_modes

    @property
    def default_room_mode(self):
        return AUTO if self.large_meetings else SMALL

    def participants_for(self, mode):
        return min(self.max_participants, SMALL_MEETING_LIMIT) if mode == SMALL else self.max_participants


PLANS = {
    "free": Plan(
        key="free",
        name="Free",
        tagline="For catching up with friends and quick calls.",
        monthly_price_cents=0,
        currency="eur",
        max_rooms=1,
        max_participants=SMALL_MEETING_LIMIT,
        meeting_modes=(SMALL,),
        recording=False,
        teams=False,
    ),
    "pro": Plan(
        key="pro",
        name="Pro",
        tagline="For freelancers and small teams who meet every day.",
        monthly_price_cents=999,
        currency="eur",
        max_rooms=3,
        max_participants=LARGE_MEETING_LIMIT,
        meeting_modes=(SMALL, LARGE),
        recording=True,
        teams=False,
    ),
    "business": Plan(
        key="business",
        name="Business",
        tagline="For teams: members, shared team rooms, your brand, a seat per host.",
        monthly_price_cents=1199,
        currency="eur",
        max_rooms=10,
        max_participants=LARGE_MEETING_LIMIT,
        meeting_modes=(SMALL, LARGE),
        recording=True,
        teams=True,  # organisations: members, seats, team rooms, branding (app/orgs)
        per_host=True,
        api=True,
    ),
    "embedded": Plan(
        key="embedded",
        name="Embedded",
        tagline="For developers who put meetings inside their own product through our API.",
        monthly_price_cents=899,
        currency="eur",
        max_rooms=1,  # rooms claimed by hand; meetings made through the API end by themselves and count apart
        max_participants=LARGE_MEETING_LIMIT,
        meeting_modes=(SMALL, LARGE),
        recording=False,
        teams=False,
        api=True,
    ),
}

MODE_LABELS = {
    SMALL: f"Small meetings (peer-to-peer, up to {SMALL_MEETING_LIMIT})",
    LARGE: f"Large meetings (through our video routers, up to {LARGE_MEETING_LIMIT})",
}
# What /user/rooms offers per room, in the words an owner chooses by.
ROOM_MODE_CHOICES = {
    AUTO: f"Automatic: peer-to-peer up to {SMALL_MEETING_LIMIT}, through our video router beyond",
    SMALL: f"Small: always peer-to-peer, up to {SMALL_MEETING_LIMIT}",
    LARGE: "Large: always through our video router",
}


def get_plan(key):
    return PLANS.get(key, PLANS["free"])


def comparison_rows():
    """Rows of the pricing table: (label, value per plan), in plan order."""
    plans = list(PLANS.values())
    rows = [
        ("Price per month", [p.price_label + (" per host" if p.per_host else "") for p in plans]),
        ("Rooms", [str(p.max_rooms) for p in plans]),
        ("Participants per meeting", [f"Up to {p.max_participants}" for p in plans]),
        ("Meeting modes", [", ".join(MODE_LABELS[m].split(" (")[0] for m in p.meeting_modes) for p in plans]),
        ("Recording in your browser", ["Yes" if p.recording else "No" for p in plans]),
        ("Meetings API and API keys", ["Yes" if p.api else "No" for p in plans]),
    ]
    if any(p.teams for p in plans):  # a row of "No" would advertise a feature nobody can buy
        rows.append(("Team management", ["Yes" if p.teams else "No" for p in plans]))
    return rows
