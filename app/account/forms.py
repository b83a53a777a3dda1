from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired

from ..auth.forms import IdentifierField, code_field
from ..forms_common import display_name_validators, strip


class DisplayNameForm(FlaskForm):
    display_name = StringField(
        "Display name",
        filters=[strip],
        validators=[DataRequired("Enter the name people see in meetings.")] + display_name_validators(),
    )


class AvatarForm(FlaskForm):
    picture = FileField("Profile picture", validators=[FileRequired("Choose a picture to upload.")])


class ContactForm(FlaskForm):
    identifier = IdentifierField("New email address or phone number", filters=[strip])


class ContactCodesForm(FlaskForm):
    code = code_field("Code sent to the new address")
    old_code = code_field("Code sent to your current address")
