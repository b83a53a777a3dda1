from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, InputRequired, Optional, Regexp, ValidationError

from ..forms_common import display_name_validators, strip
from .identifiers import InvalidIdentifier, parse_identifier


class IdentifierField(StringField):
    """An email address or phone number; ``data`` becomes an ``Identifier`` once validated."""

    def pre_validate(self, form):
        try:
            self.identifier = parse_identifier(self.data)
        except InvalidIdentifier as error:
            self.identifier = None
            raise ValidationError(str(error)) from None


class LoginForm(FlaskForm):
    identifier = IdentifierField(
        "Email address or phone number", filters=[strip], render_kw={"autocomplete": "username"}
    )
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class SignupForm(FlaskForm):
    identifier = IdentifierField(
        "Email address or phone number", filters=[strip], render_kw={"autocomplete": "username"}
    )
    display_name = StringField(
        "Your name (optional)", filters=[strip], validators=[Optional()] + display_name_validators()
    )
    newsletter = BooleanField("Send me the Parlor newsletter now and then (you can stop it at any time)")
    accept_terms = BooleanField(
        "I accept the terms of service and have read the privacy policy",
        validators=[InputRequired("You need to accept the terms of service to create an account.")],
    )
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


def code_field(label="Six-digit code"):
    return StringField(
        label,
        filters=[lambda value: "".join(value.split()) if isinstance(value, str) else value],
        validators=[
            DataRequired("Enter the code we sent you."),
            Regexp(r"^\d{6}$", message="The code is six digits."),
        ],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 7},
    )


class CodeForm(FlaskForm):
    code = code_field()


class EmptyForm(FlaskForm):
    """Buttons that only need CSRF protection."""
