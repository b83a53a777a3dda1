from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from .services import InvalidOrigins, parse_origins


class OriginsForm(FlaskForm):
    origins = TextAreaField("Allowed origins", render_kw={"rows": 5, "spellcheck": "false", "autocapitalize": "off"})

    def validate_origins(self, field):
        try:
            self.parsed = parse_origins((field.data or "").splitlines())
        except InvalidOrigins as error:
            raise ValidationError(str(error)) from None
