"""Field helpers shared by the site's forms."""

import re

from wtforms.validators import Email, Length, ValidationError

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def email_validators():
    return [Length(max=254), Email(message="Enter an email address like name@example.com.")]


def no_control_characters(form, field):
    if field.data and CONTROL_CHARACTERS.search(field.data):
        raise ValidationError("Remove the invisible control characters from this field.")


def display_name_validators():
    return [
        Length(min=1, max=50, message="Use between 1 and 50 characters for your name."),
        no_control_characters,
    ]
