from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..auth.forms import EmptyForm
from ..embedding.params import embed_options
from ..embedding.services import framing_origins
from ..extensions import csrf, db, limiter
from ..nodes.placement import latency_probes, node_origins
from ..plans import ROOM_MODE_CHOICES, SMALL, get_plan
from ..security import allow_framing, allow_source
from ..usage import track
from . import apps, breakout, hosting, meetings, services
from .forms import ClaimRoomForm, RenameRoomForm
from .names import InvalidRoomName, check_room_name, normalise
from .services import RoomError
from .tickets import InvalidTicket, issue_ticket

bp = Blueprint("rooms", __name__)


def owned_room_or_403(name):
    room = services.get_room(name)
    if room is None:
        abort(404)
    if not room.is_owned_by(current_user):
        abort(403, "Only the room's owner can change it.")
    return room


def render_rooms(form=None, rename_forms=None, mode_errors=None, status=200):
    rooms = services.rooms_of(current_user)
    plan = get_plan(current_user.plan)
    return render_template(
        "rooms/index.html",
        rooms=rooms,
        plan=plan,
        form=form or ClaimRoomForm(name=request.args.get("name", "")),
        rename_forms=rename_forms or {},
        mode_errors=mode_errors or {},
        mode_choices=ROOM_MODE_CHOICES,
        action_form=EmptyForm(),
        read_only={room.id: services.is_read_only(room) for room in rooms},
        modes={room.id: services.meeting_mode(room) for room in rooms},
        apps_on={room.id: apps.enabled(room) for room in rooms},
    ), status


@bp.route("/user/rooms", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per minute", methods=["POST"])
def index():
    if request.method == "GET":
        return render_rooms()
    form = ClaimRoomForm()
    if not form.validate_on_submit():
        return render_rooms(form=form, status=400)
    try:
        room = services.claim_room(current_user, form.name.data)
    except RoomError as error:
        form.name.errors.append(str(error))
        return render_rooms(form=form, status=400)
    db.session.commit()
    flash(f"{room.name} is yours. Share {url_for('rooms.lobby', room_name=room.name, _external=True)}", "success")
    return redirect(url_for("rooms.index"))


@bp.route("/user/rooms/<room_name>/rename", methods=["POST"])
@login_required
def rename(room_name):
    room = owned_room_or_403(room_name)
    form = RenameRoomForm(current_name=room.name)
    if not form.validate_on_submit():
        return render_rooms(rename_forms={room.id: form}, status=400)
    try:
        services.rename_room(room, form.name.data)
    except RoomError as error:
        db.session.rollback()
        form.name.errors.append(str(error))
        return render_rooms(rename_forms={room.id: form}, status=400)
    db.session.commit()
    flash(f"Renamed to {room.name}. The old link no longer works.", "success")
    return redirect(url_for("rooms.index"))


@bp.route("/user/rooms/<room_name>/lock", methods=["POST"])
@login_required
def lock(room_name):
    room = owned_room_or_403(room_name)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.set_locked(room, request.form.get("locked") == "1")
    db.session.commit()
    flash(
        f"{room.name} is now {'locked: visitors knock to enter' if room.locked else 'open to anyone with the link'}.",
        "success",
    )
    return redirect(url_for("rooms.index"))


@bp.route("/user/rooms/<room_name>/mode", methods=["POST"])
@login_required
def mode(room_name):
    room = owned_room_or_403(room_name)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.set_mode(room, request.form.get("mode", ""))
    except RoomError as error:
        db.session.rollback()
        return render_rooms(mode_errors={room.id: str(error)}, status=400)
    db.session.commit()
    flash(f"{room.name}: {ROOM_MODE_CHOICES[room.mode]}.", "success")
    return redirect(url_for("rooms.index"))


@bp.route("/user/rooms/<room_name>/encryption", methods=["POST"])
@login_required
def encryption(room_name):
    room = owned_room_or_403(room_name)
    if not EmptyForm().validate_on_submit() or request.form.get("allow") not in ("0", "1"):
        abort(400)
    try:
        services.set_allow_unencrypted(room, request.form["allow"] == "1")
    except RoomError as error:
        db.session.rollback()
        return render_rooms(mode_errors={room.id: str(error)}, status=400)
    db.session.commit()
    if room.allow_unencrypted:
        flash(f"{room.name}: browsers without end-to-end encryption may join.", "success")
    else:
        flash(f"{room.name}: end-to-end encrypted browsers only.", "success")
    return redirect(url_for("rooms.index"))


@bp.route("/user/rooms/<room_name>/apps", methods=["POST"])
@login_required
def apps_setting(room_name):
    room = owned_room_or_403(room_name)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.set_apps(room, request.form.get("apps") == "1")
    db.session.commit()
    flash(f"{room.name}: {'people can open apps together' if room.apps else 'apps are off'}.", "success")
    return redirect(url_for("rooms.index"))


@bp.route("/user/rooms/<room_name>/host-link", methods=["POST"])
@login_required
def regenerate_host_link(room_name):
    room = owned_room_or_403(room_name)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.regenerate_host_key(room)
    db.session.commit()
    hosting.unhost_link_holders(room.id)
    flash(f"{room.name} has a new host link. The old one no longer gives host rights.", "success")
    return redirect(url_for("rooms.index"))


@bp.route("/user/rooms/<room_name>/delete", methods=["POST"])
@login_required
def delete(room_name):
    room = owned_room_or_403(room_name)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = room.name
    services.delete_room(room)
    db.session.commit()
    flash(f"{name} is deleted. Anyone can claim the name now.", "success")
    return redirect(url_for("rooms.index"))


def own_picture():
    """The visitor's profile picture for their own tile (the others get it from the server)."""
    if current_user.is_authenticated and current_user.has_avatar:
        return url_for("account.avatar", key=current_user.avatar_key)
    return None


@bp.route("/<room_name>")
def lobby(room_name):
    name = normalise(room_name)
    if name != room_name:
        return redirect(url_for("rooms.lobby", room_name=name))
    room = services.get_room(name)
    if room is None:
        try:
            check_room_name(name)
            claimable = services.name_is_free(name)
        except InvalidRoomName:
            claimable = False
        return render_template("rooms/unknown.html", name=name, claimable=claimable), 404
    host_link, stale_host_link = hosting.host_link_for_lobby(room, request.args.get("host"))
    embed = embed_options(request.args)
    ticket, _ = issue_ticket(room, current_user, host_link=host_link, embed_name=embed.display_name)
    if embed_origins := framing_origins(room):
        allow_framing(embed_origins)
    mode = services.meeting_mode(room)
    probes = []
    if mode != SMALL:  # large and auto meetings reach the room's node, and ping the nearby ones
        allow_source("connect-src", *node_origins())
        probes = latency_probes(request.remote_addr)
    # Background effects compile the segmentation model's WebAssembly (our own static file) in
    # the page: only this page allows that, and still no eval of JavaScript.
    allow_source("script-src", "'wasm-unsafe-eval'")
    app_origins = apps.lobby_settings(room)
    if app_origins:  # only this room page may frame the apps' embed origins
        allow_source("frame-src", *sorted(set(app_origins.values())))

    track("room_visited", user=current_user, room=room)
    db.session.commit()
    host = room.is_owned_by(current_user) or host_link is not None or hosting.hosts_by_membership(room, current_user)
    page = render_template(
        "rooms/room.html",
        room=room,
        ticket=ticket,
        host=host,
        stale_host_link=stale_host_link,
        can_record=host and get_plan(room.plan_key).recording,
        mode=mode,
        app_origins=app_origins,
        latency_probes=probes,
        capacity=services.capacity(room),
        picture=own_picture(),
        read_only=services.is_read_only(room),
        allow_unencrypted=services.allows_unencrypted(room),
        ended=services.has_ended(room),
        default_name=embed.display_name or (current_user.display_name if current_user.is_authenticated else ""),
        embed=embed,
        embed_origins=embed_origins,
        breakout_warning=breakout.CLOSE_WARNING_SECONDS,
    )
    if "host" not in request.args:
        return page
    # The host key is in this page's address until the lobby's script drops it: no request the
    # page makes may carry it in a Referer, and no cache may keep the page.
    return page, {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


@bp.route("/api/turn-credentials", methods=["POST"])
@csrf.exempt  # authenticated by the room ticket header, not by cookies
@limiter.limit("30 per minute")
def turn_credentials_api():
    try:
        credentials = meetings.relay_credentials(request.headers.get("X-Room-Ticket", ""))
    except InvalidTicket:
        return jsonify(error="A valid room ticket is required."), 401
    if credentials is None:
        return jsonify(error="Only people in the meeting can get relay credentials."), 403
    return jsonify(credentials)
