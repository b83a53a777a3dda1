from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..forms_common import email_validators, no_control_characters, strip


class SupportTicketForm(FlaskForm):
    email = EmailField(
        "Your email",
        filters=[strip],
        validators=[DataRequired("We need an email address to reply to.")] + email_validators(),
    )
    subject = StringField(
        "Subject",
        filters=[strip],
        validators=[
            DataRequired("Give your request a short subject."),
            Length(min=3, max=150, message="Keep the subject between 3 and 150 characters."),
            no_control_characters,
        ],
    )
    message = TextAreaField(
        "What happened?",
        filters=[strip],
        validators=[
            DataRequired("Describe the problem so we can help."),
            Length(min=10, max=5000, message="Write between 10 and 5,000 characters."),
        ],
    )
