"""Forms of the case workspace: they only parse input; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from civitas.cases.states import CaseStatus
from civitas.catalog.models import AttributeDatatype
from civitas.core.choices import Priority

INTERNAL, PUBLIC = "internal", "public"

WIDGET_CLASSES = {
    forms.Textarea: "usa-textarea",
    forms.Select: "usa-select",
    forms.SelectMultiple: "usa-select",
    forms.RadioSelect: "usa-radio__input",
    forms.CheckboxSelectMultiple: "usa-checkbox__input",
    forms.CheckboxInput: "usa-checkbox__input",
    forms.ClearableFileInput: "usa-file-input",
}


class UswdsForm(forms.Form):
    """Puts the USWDS class on each widget (radios and checkboxes are laid out by the templates)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)


def style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        css = next((name for kind, name in WIDGET_CLASSES.items() if type(widget) is kind), "usa-input")
        if not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", css)


class VersionedForm(UswdsForm):
    """Every edit form carries the version of the case the editor saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class NoteForm(UswdsForm):
    visibility = forms.ChoiceField(
        label=_("Who can see this?"),
        choices=[
            (INTERNAL, _("Internal note: staff only")),
            (PUBLIC, _("Public reply: the resident will see this")),
        ],
        initial=INTERNAL,
        widget=forms.RadioSelect,
    )
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000)
    confirm_public = forms.BooleanField(label=_("I understand the resident will see this"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("visibility") == PUBLIC and not data.get("confirm_public"):
            self.add_error("confirm_public", _("Tick the box to confirm the resident will see this reply."))
        return data

    @property
    def is_public(self) -> bool:
        return self.cleaned_data.get("visibility") == PUBLIC


class StatusForm(VersionedForm):
    # Every status parses; the service refuses a move the transition table does not allow, naming it.
    status = forms.ChoiceField(label=_("New status"), choices=CaseStatus.choices)
    note = forms.CharField(
        label=_("Note (optional, shown to the resident)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=10_000,
    )


class ReopenForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why is the case reopened?"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000
    )


class AssignForm(VersionedForm):
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, required=False, empty_value=None)
    assignee = forms.TypedChoiceField(label=_("Person"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, teams: Any = (), people: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("Keep the current team")), *[(t.pk, t.name) for t in teams]]
        self.fields["assignee"].choices = [("", _("Nobody (unassigned)")), *[(u.pk, str(u)) for u in people]]


class TransferForm(VersionedForm):
    service_type = forms.ChoiceField(label=_("Service type"))

    def __init__(self, *args: Any, service_types: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_type"].choices = [
            (item.code, f"{item.name} ({item.department.name})") for item in service_types
        ]


class TriageForm(VersionedForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    tags = forms.CharField(
        label=_("Tags"),
        help_text=_("Separate tags with commas, for example: graffiti-hotspot, council-member"),
        required=False,
        max_length=1000,
    )

    def tag_names(self) -> set[str]:
        return {name.strip() for name in self.cleaned_data.get("tags", "").split(",") if name.strip()}


def attribute_field_name(code: str) -> str:
    return f"attr__{code}"


class DetailsForm(VersionedForm):
    """Title, description, address and location, and one field per question of the service type."""

    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=20_000
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=300)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    long = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)

    def __init__(self, *args: Any, attributes: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.attributes = list(attributes)
        for attribute in self.attributes:
            self.fields[attribute_field_name(attribute.code)] = attribute_field(attribute)
        style(self)

    def attribute_answers(self) -> dict[str, Any]:
        return {a.code: self.cleaned_data.get(attribute_field_name(a.code)) for a in self.attributes if a.variable}

    def attribute_bound_fields(self) -> list[Any]:
        return [self[attribute_field_name(a.code)] for a in self.attributes if a.variable]


def attribute_field(attribute: Any) -> forms.Field:
    """A form field for one of the six Open311 datatypes (the service validates the answer)."""
    common: dict[str, Any] = {
        "label": attribute.description,
        "required": False,
        "help_text": attribute.datatype_description,
    }
    choices = [(value.key, value.name) for value in attribute.values.all()]
    datatype = attribute.datatype
    if datatype == AttributeDatatype.TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if datatype == AttributeDatatype.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if datatype == AttributeDatatype.DATETIME:
        return forms.CharField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if datatype == AttributeDatatype.SINGLEVALUELIST:
        return forms.ChoiceField(choices=[("", _("Not answered")), *choices], **common)
    if datatype == AttributeDatatype.MULTIVALUELIST:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    return forms.CharField(**common)


class AttachmentForm(UswdsForm):
    file = forms.FileField(label=_("File"))
    public = forms.BooleanField(label=_("The resident may see this file"), required=False)


LINK_KINDS = [
    ("duplicate_of", _("This case is a duplicate of it")),
    ("related", _("The cases are related")),
    ("merge", _("Merge this case into it (closes this case)")),
]


class LinkForm(VersionedForm):
    other = forms.CharField(label=_("Reference of the other case"), max_length=24)
    kind = forms.ChoiceField(label=_("How are the cases connected?"), choices=LINK_KINDS, widget=forms.RadioSelect)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
