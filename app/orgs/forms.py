from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from ..forms_common import email_validators, no_control_characters, strip
from ..rooms.forms import lower


class CreateOrgForm(FlaskForm):
    name = StringField(
        "Organisation name",
        filters=[strip],
        validators=[DataRequired("Give the organisation a name."), Length(max=100), no_control_characters],
    )
    slug = StringField(
        "Address",
        filters=[strip, lower],
        validators=[DataRequired("Choose an address.")],
        render_kw={"autocomplete": "off", "maxlength": 20, "spellcheck": "false", "autocapitalize": "none"},
    )


class InviteForm(FlaskForm):
    email = EmailField(
        "Email",
        filters=[strip],
        validators=[DataRequired("Enter the address to invite."), *email_validators()],
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(
        "Role", choices=[SelectChoice("member", "Member"), SelectChoice("admin", "Admin")], default="member"
    )


class TeamRoomForm(FlaskForm):
    name = StringField(
        "Room name",
        filters=[strip, lower],
        validators=[DataRequired("Choose a room name.")],
        render_kw={"autocomplete": "off", "maxlength": 19, "spellcheck": "false", "autocapitalize": "none"},
    )
    members_only = BooleanField("Members only")


class SeatsForm(FlaskForm):
    seats = IntegerField("Seats", validators=[DataRequired("Enter a number of seats."), NumberRange(min=1, max=1000)])
