from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from ..forms_common import strip
from .names import InvalidRoomName, normalise
from .services import RoomNameTaken, validate_new_name


def lower(value):
    return normalise(value) if isinstance(value, str) else value


class RoomNameField(StringField):
    """A room name that is well formed, allowed and free; checked when the form validates."""

    def pre_validate(self, form):
        if getattr(form, "current_name", None) == self.data:
            return
        try:
            validate_new_name(self.data)
        except (InvalidRoomName, RoomNameTaken) as error:
            raise ValidationError(str(error)) from None


class ClaimRoomForm(FlaskForm):
    name = RoomNameField(
        "Room name",
        filters=[strip, lower],
        validators=[DataRequired("Choose a room name.")],
        render_kw={"autocomplete": "off", "maxlength": 40, "spellcheck": "false", "autocapitalize": "none"},
    )


class RenameRoomForm(ClaimRoomForm):
    def __init__(self, *args, current_name=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_name = current_name
