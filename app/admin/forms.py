from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..auth.forms import EmptyForm, code_field
from ..forms_common import strip

__all__ = ["DeviceCodeForm", "EmptyForm", "EraseForm", "ReplyForm"]


class DeviceCodeForm(FlaskForm):
    code = code_field("Second code")


class ReplyForm(FlaskForm):
    message = TextAreaField(
        "Your answer",
        filters=[strip],
        validators=[
            DataRequired("Write the answer to send."),
            Length(min=2, max=5000, message="Write between 2 and 5,000 characters."),
        ],
    )


class EraseForm(FlaskForm):
    contact = StringField(
        "Type the account's email address or phone number to confirm",
        filters=[strip],
        validators=[DataRequired("Type the address to confirm.")],
        render_kw={"autocomplete": "off"},
    )
