from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms_common import strip
from .models import EVENTS
from .services import WebhookError, check_url


class EndpointForm(FlaskForm):
    url = StringField("Endpoint URL", filters=[strip], validators=[DataRequired("Enter the URL we should call.")])
    events = SelectMultipleField(
        "Events to send",
        choices=[(event, event) for event in EVENTS],
        default=list(EVENTS),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired("Choose at least one event.")],
    )

    def validate_url(self, field):
        try:
            check_url(field.data)
        except WebhookError as error:
            raise ValidationError(str(error)) from None
