"""The report form: a service's questions, a description, the location and optional contact details.

The form checks what a resident typed and says what is wrong, field by field, in plain language.
The rules themselves live in the domain: attribute answers are checked by
`catalog.validation.clean_attribute_values`, the boundary by `core.geo`, contacts by
`people.normalise`. Every typed value is kept (`draft_values`) so the page can come back with it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civitas.catalog.definitions import Definition
from civitas.catalog.models import AttributeDatatype, ServiceAttribute
from civitas.catalog.validation import AttributeValidationError, clean_attribute_values, field_name
from civitas.core.errors import ValidationError
from civitas.core.geo import point_inside_boundary
from civitas.people.normalise import normalise_email, normalise_phone

ATTRIBUTE_PREFIX = "attr__"
MAX_DESCRIPTION = 4000
MAX_ADDRESS = 300
MAX_NAME = 150
CONTACT = "contact"
ANONYMOUS = "anonymous"
CONTACT_FIELDS = ("given_name", "family_name", "email", "phone", "preferred_channel", "preferred_language")
LOCATION_FIELDS = ("address", "lat", "long")
# Radios for short lists, a select for long ones (a long list of radios is hard to use on a phone).
MAX_RADIOS = 8


def attribute_field_name(code: str) -> str:
    return f"{ATTRIBUTE_PREFIX}{code}"


class ReportForm(forms.Form):
    """One service's report form. Build it with the service's cached definition."""

    description = forms.CharField(
        label=_("Describe the problem"),
        required=False,
        max_length=MAX_DESCRIPTION,
        help_text=_("What is wrong, and anything that helps us find it. Do not include private details."),
        widget=forms.Textarea,
    )
    address = forms.CharField(
        label=_("Address or place"),
        required=False,
        max_length=MAX_ADDRESS,
        help_text=_("For example: 12 Main Street, or the corner of Main Street and Elm Street."),
    )
    lat = forms.CharField(label=_("Latitude"), required=False, max_length=32)
    long = forms.CharField(label=_("Longitude"), required=False, max_length=32)
    contact_choice = forms.ChoiceField(
        label=_("Do you want us to tell you about progress?"),
        choices=[
            (CONTACT, _("Yes, contact me about this request")),
            (ANONYMOUS, _("No, send it without my details (anonymous)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether we may contact you, or send the report anonymously.")},
    )
    given_name = forms.CharField(label=_("First name (optional)"), required=False, max_length=MAX_NAME)
    family_name = forms.CharField(label=_("Last name (optional)"), required=False, max_length=MAX_NAME)
    email = forms.CharField(label=_("Email address"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=64)
    preferred_channel = forms.ChoiceField(
        label=_("How should we contact you?"),
        choices=[("email", _("Email")), ("sms", _("Text message"))],
        required=False,
        widget=forms.RadioSelect,
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for our messages"),
        choices=[("en", "English"), ("es", "Español")],
        required=False,
        widget=forms.RadioSelect,
    )
    # The honeypot: hidden from people and screen readers; software that fills every field fills it.
    website = forms.CharField(label=_("Leave this empty"), required=False, max_length=200)

    def __init__(self, definition: Definition, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.attribute_answers: dict[str, Any] = {}
        self.is_spam = False
        for attribute in definition.attributes:
            if attribute.variable:
                self.fields[attribute_field_name(attribute.code)] = _attribute_field(attribute)
        self.fields["preferred_language"].initial = (get_language() or "en")[:2]
        self.fields["preferred_channel"].initial = "email"
        for name, field in self.fields.items():
            if name.startswith(ATTRIBUTE_PREFIX) or name == "contact_choice":
                continue
            field.widget.attrs.setdefault("autocomplete", AUTOCOMPLETE.get(name, "off"))

    # --- what the templates show ----------------------------------------------------------------

    def attribute_items(self) -> list[dict[str, Any]]:
        """The service's questions in order: each with its bound field (None for information only)."""
        items = []
        for attribute in self.definition.attributes:
            name = attribute_field_name(attribute.code)
            bound = self[name] if name in self.fields else None
            items.append({"attribute": attribute, "field": bound, "kind": _kind(attribute)})
        return items

    def error_list(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary, in the order the fields appear on the page."""
        problems: list[tuple[str, str]] = [("", str(message)) for message in self.non_field_errors()]
        for name in self._page_order():
            for message in self.errors.get(name, []):
                problems.append((self._anchor(name), str(message)))
        return problems

    def _page_order(self) -> list[str]:
        attributes = [attribute_field_name(a.code) for a in self.definition.attributes if a.variable]
        return [*attributes, "description", *LOCATION_FIELDS, "contact_choice", *CONTACT_FIELDS]

    def _anchor(self, name: str) -> str:
        field = self.fields[name]
        if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            return f"{self[name].auto_id}_0"
        return self[name].auto_id

    # --- checking ------------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (self.data.get("website") or "").strip():
            self.is_spam = True
            raise forms.ValidationError(_("We could not accept this form. Please try again later."), code="spam")
        self._clean_attributes(data)
        self._clean_location(data)
        if data.get("contact_choice") == CONTACT:
            self._clean_contact(data)
        return data

    def _clean_attributes(self, data: dict[str, Any]) -> None:
        raw = {}
        for attribute in self.definition.attributes:
            name = attribute_field_name(attribute.code)
            if name in self.fields and name not in self.errors:
                raw[attribute.code] = data.get(name)
        try:
            self.attribute_answers = clean_attribute_values(
                self.definition.service_type, raw, attributes=self.definition.attributes
            )
        except AttributeValidationError as problem:
            by_api_name = {field_name(a.code): attribute_field_name(a.code) for a in self.definition.attributes}
            for api_name, message in problem.errors:
                name = by_api_name.get(api_name)
                if name in self.fields and name not in self.errors:
                    self.add_error(name, message)

    def _clean_location(self, data: dict[str, Any]) -> None:
        lat_text, long_text = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
        address = (data.get("address") or "").strip()
        if "lat" in self.errors or "long" in self.errors:
            return
        if not lat_text and not long_text:
            data["lat"] = data["long"] = None
            if not address and "address" not in self.errors:
                self.add_error(
                    "address", _("Tell us where the problem is: type an address or place, or put a pin on the map.")
                )
            return
        point, problem = _parse_point(lat_text, long_text)
        if problem is not None:
            self.add_error(*problem)
            return
        if point is not None:
            data["lat"], data["long"] = point
            if not point_inside_boundary(*point):
                self.add_error(
                    "lat",
                    _(
                        "This place is outside the area we look after. Check the pin or the address; "
                        "for places outside it, contact that town or city."
                    ),
                )

    def _clean_contact(self, data: dict[str, Any]) -> None:
        email, phone = (data.get("email") or "").strip(), (data.get("phone") or "").strip()
        if not email and not phone:
            self.add_error(
                "email",
                _("Give an email address or a phone number so we can contact you, or choose to send it anonymously."),
            )
            return
        if email:
            try:
                data["email"] = normalise_email(email)
            except ValidationError:
                self.add_error("email", _("Enter an email address in the right format, like name@example.com."))
        if phone:
            try:
                data["phone"] = normalise_phone(phone)
            except ValidationError:
                self.add_error("phone", _("Enter a phone number with its area code, like 617 555 0123."))
        channel = data.get("preferred_channel") or ("email" if email else "sms")
        data["preferred_channel"] = channel
        if channel == "email" and not email and "email" not in self.errors:
            self.add_error("email", _("Give an email address, or choose text message."))
        if channel == "sms" and not phone and "phone" not in self.errors:
            self.add_error("phone", _("Give a mobile phone number for text messages, or choose email."))

    # --- results -------------------------------------------------------------------------------

    def draft_values(self) -> dict[str, Any]:
        """Everything typed, as strings or lists of strings (kept in the session between steps).

        Contact details are kept only when the resident chose to be contacted; the honeypot never.
        """
        values: dict[str, Any] = {}
        anonymous = (self.data.get("contact_choice") or "") == ANONYMOUS
        for name, field in self.fields.items():
            if name == "website" or (anonymous and name in CONTACT_FIELDS):
                continue
            if isinstance(field, forms.MultipleChoiceField):
                values[name] = [str(v)[:200] for v in self.data.getlist(name)][:100]
            else:
                value = self.data.get(name)
                if value not in (None, ""):
                    values[name] = str(value)[:MAX_DESCRIPTION]
        return values

    def case_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "service_type": self.definition.service_type.code,
            "channel": "web",
            "description": data.get("description") or "",
            "address": data.get("address") or "",
            "lat": data.get("lat"),
            "long": data.get("long"),
            "attributes": self.attribute_answers,
        }

    def contact(self) -> dict[str, str] | None:
        data = self.cleaned_data
        if data.get("contact_choice") != CONTACT:
            return None
        return {name: str(data.get(name) or "") for name in CONTACT_FIELDS}


AUTOCOMPLETE = {
    "given_name": "given-name",
    "family_name": "family-name",
    "email": "email",
    "phone": "tel",
    "address": "street-address",
}


def data_from_draft(values: Mapping[str, Any]) -> MultiValueDict:
    """Form data from a stored draft (lists for multiple choices)."""
    data = MultiValueDict()
    for name, value in values.items():
        data.setlist(name, list(value) if isinstance(value, list) else [value])
    return data


Point = tuple[float, float]
Problem = tuple[str, Any]


def _parse_point(lat_text: str, long_text: str) -> tuple[Point | None, Problem | None]:
    """((lat, long), None) as numbers, or (None, (field, message)) naming the problem."""
    if not lat_text or not long_text:
        missing = "lat" if not lat_text else "long"
        return None, (missing, _("Give both latitude and longitude, or leave both empty and type an address."))
    try:
        lat, long = float(lat_text.replace(",", ".")), float(long_text.replace(",", "."))
    except ValueError:
        return None, ("lat", _("Latitude and longitude must be numbers, like 42.3601 and -71.0589."))
    if not math.isfinite(lat) or not -90 <= lat <= 90:
        return None, ("lat", _("Latitude must be a number between -90 and 90."))
    if not math.isfinite(long) or not -180 <= long <= 180:
        return None, ("long", _("Longitude must be a number between -180 and 180."))
    return (lat, long), None


def _kind(attribute: ServiceAttribute) -> str:
    if not attribute.variable:
        return "info"
    datatype = attribute.datatype
    if datatype == AttributeDatatype.SINGLEVALUELIST:
        return "radio" if len(attribute.values.all()) <= MAX_RADIOS else "select"
    if datatype == AttributeDatatype.MULTIVALUELIST:
        return "checkbox"
    return {
        AttributeDatatype.TEXT: "textarea",
        AttributeDatatype.NUMBER: "number",
        AttributeDatatype.DATETIME: "datetime",
    }.get(datatype, "text")


def _attribute_field(attribute: ServiceAttribute) -> forms.Field:
    """A form field for one question. Answers are checked by the catalogue's rules in clean()."""
    label = attribute.description or attribute.label
    common = {
        "label": label,
        "required": False,
        "help_text": attribute.datatype_description,
        "error_messages": {"invalid_choice": _("Choose one of the answers listed.")},
    }
    choices = [(value.key, value.name) for value in attribute.values.all()]
    kind = _kind(attribute)
    if kind == "checkbox":
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if kind == "radio":
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == "select":
        return forms.ChoiceField(choices=[("", _("- Select -")), *choices], **common)
    if kind == "textarea":
        return forms.CharField(widget=forms.Textarea, **common)
    return forms.CharField(max_length=255 if kind == "text" else 64, **common)
