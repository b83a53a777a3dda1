from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..forms_common import email_validators, no_control_characters, strip

TEAM_SIZES = [
    SelectChoice("", "Choose a size"),
    SelectChoice("1-10", "1–10 people"),
    SelectChoice("11-50", "11–50 people"),
    SelectChoice("51-200", "51–200 people"),
    SelectChoice("201-1000", "201–1,000 people"),
    SelectChoice("1000+", "More than 1,000 people"),
]


class ContactSalesForm(FlaskForm):
    name = StringField(
        "Your name",
        filters=[strip],
        validators=[DataRequired("Tell us your name."), Length(max=100), no_control_characters],
    )
    email = EmailField(
        "Work email",
        filters=[strip],
        validators=[DataRequired("We need an email address to reply to.")] + email_validators(),
    )
    company = StringField(
        "Company or organisation",
        filters=[strip],
        validators=[Optional(), Length(max=120), no_control_characters],
    )
    team_size = SelectField(
        "Team size",
        choices=TEAM_SIZES,
        validators=[DataRequired("Choose the size of your team.")],
    )
    message = TextAreaField(
        "How can we help?",
        filters=[strip],
        validators=[
            DataRequired("Tell us a little about what you need."),
            Length(min=10, max=5000, message="Write between 10 and 5,000 characters."),
        ],
    )
