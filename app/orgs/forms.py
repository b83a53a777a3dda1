from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

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


class BrandForm(FlaskForm):
    logo = FileField("Logo (JPEG, PNG or WebP; SVG is not accepted)")
    background = FileField("Room background image (JPEG, PNG or WebP)")
    accent_colour = StringField(
        "Accent colour",
        filters=[strip],
        validators=[Optional(), Length(max=7)],
        render_kw={"placeholder": "#4a2370", "maxlength": 7, "autocomplete": "off", "spellcheck": "false"},
    )
    knock_message = TextAreaField(
        "Message for people knocking",
        filters=[strip],
        validators=[Optional(), Length(max=300), no_control_characters],
    )
    usage_analytics = BooleanField("Show admins how much our team rooms are used (counts only, no names)")
