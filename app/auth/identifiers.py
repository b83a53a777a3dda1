"""Email addresses and phone numbers people sign in with, validated and normalised."""

from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

EMAIL = "email"
PHONE = "phone"


class InvalidIdentifier(ValueError):
    """Not an email address or phone number we can send a code to."""


@dataclass(frozen=True)
class Identifier:
    kind: str
    value: str  # lower-cased email, or E.164 phone number

    @property
    def masked(self):
        """A hint of where the code went, without spelling it out on screen."""
        if self.kind == EMAIL:
            local, domain = self.value.split("@", 1)
            return f"{local[:2]}{'•' * max(1, len(local) - 2)}@{domain}"
        return f"{self.value[:3]}{'•' * (len(self.value) - 5)}{self.value[-2:]}"


def parse_identifier(text, default_region=None):
    text = (text or "").strip()
    if not text:
        raise InvalidIdentifier("Enter your email address or phone number.")
    if len(text) > 254:
        raise InvalidIdentifier("That is too long to be an email address or phone number.")
    if "@" in text:
        return Identifier(EMAIL, parse_email(text))
    return Identifier(PHONE, parse_phone(text, default_region))


def parse_email(text):
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidIdentifier("That does not look like an email address. Check it and try again.") from None
    return result.normalized.lower()


def parse_phone(text, default_region=None):
    if not any(ch.isdigit() for ch in text) or any(ch.isalpha() for ch in text):
        raise InvalidIdentifier("Enter an email address, or a phone number with its country code, like +47 912 34 567.")
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidIdentifier("Include your country code in the phone number, like +47 912 34 567.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidIdentifier("That phone number is not valid. Check the digits and the country code.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
