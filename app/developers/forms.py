from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..api.keys import NAME_LENGTH
from ..forms_common import no_control_characters, strip


class NewKeyForm(FlaskForm):
    name = StringField(
        "Key name",
        filters=[strip],
        validators=[
            DataRequired("Name the key, e.g. after the server that will use it."),
            Length(max=NAME_LENGTH, message=f"Use at most {NAME_LENGTH} characters."),
            no_control_characters,
        ],
        render_kw={"autocomplete": "off", "maxlength": NAME_LENGTH},
    )
