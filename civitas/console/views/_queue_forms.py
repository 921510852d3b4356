"""Forms of the queue pages: they parse and explain input; the queue selectors do the work."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civitas.cases.queues import (
    SORTS,
    QueueFilters,
    queue_assignees,
    queue_options_key,
    queue_service_types,
    queue_teams,
)
from civitas.cases.services.tags import clean_tag
from civitas.cases.states import CaseStatus
from civitas.console.formtools import FastModelChoiceField, FastSelect, OptionList
from civitas.core.choices import Channel, Priority
from civitas.core.errors import ValidationError as DomainValidationError

ANY = [("", _("Any"))]
# How long a cached option list may live: changes through the ORM replace it at once (a new version);
# this bounds the case of a bulk update that sends no signal.
OPTIONS_CACHE_SECONDS = 120


class DateInput(forms.DateInput):
    input_type = "date"


def _team_label(department: str, name: str) -> str:
    return f"{department} / {name}"


def _person_label(display_name: str, email: str) -> str:
    return display_name or email


TEAM_LABEL = {"label_fields": ("department__name", "name"), "make_label": _team_label}
PERSON_LABEL = {"label_fields": ("display_name", "email"), "make_label": _person_label}


class QueueChoices:
    """The actor's service-type, team and person options, read and rendered once per request.

    The filter form and the bulk form of a queue page share one instance, so the team and person
    lists (hundreds of options in a city) are queried and turned into HTML once, not twice.
    `QueueChoices.cached()` also keeps them across requests in the cache, keyed by the lists' version,
    the departments the actor may see and the language (see civitas.cases.queues.queue_options_key);
    submitted values are always checked against the live querysets.
    """

    NAMES = ("service_types", "teams", "people")

    def __init__(self, *, actor: Any) -> None:
        self.service_types = OptionList(queue_service_types(actor=actor))
        self.teams = OptionList(queue_teams(actor=actor), **TEAM_LABEL)
        self.people = OptionList(queue_assignees(actor=actor), **PERSON_LABEL)

    @classmethod
    def cached(cls, *, actor: Any) -> QueueChoices:
        choices = cls(actor=actor)
        key = f"console:queue-options:{get_language()}:{queue_options_key(actor=actor)}"
        stored = cache.get(key)
        if stored is not None:
            for name, (rows, html) in zip(cls.NAMES, stored, strict=True):
                getattr(choices, name).preload(rows, html)
        else:
            lists = [getattr(choices, name) for name in cls.NAMES]
            cache.set(key, [(options.rows, options.html) for options in lists], OPTIONS_CACHE_SECONDS)
        return choices


def _select(attrs: dict[str, str] | None = None) -> forms.Select:
    return FastSelect(attrs={"class": "usa-select", **(attrs or {})})


class QueueFilterForm(forms.Form):
    service_type = FastModelChoiceField(
        queryset=None, required=False, label=_("Service type"), empty_label=_("Any"), widget=_select()
    )
    status = forms.ChoiceField(choices=ANY + CaseStatus.choices, required=False, label=_("Status"), widget=_select())
    priority = forms.ChoiceField(choices=ANY + Priority.choices, required=False, label=_("Priority"), widget=_select())
    team = FastModelChoiceField(
        queryset=None, required=False, label=_("Team"), empty_label=_("Any"), widget=_select(), **TEAM_LABEL
    )
    assignee = FastModelChoiceField(
        queryset=None, required=False, label=_("Assigned to"), empty_label=_("Anyone"), widget=_select(), **PERSON_LABEL
    )
    channel = forms.ChoiceField(choices=ANY + Channel.choices, required=False, label=_("Channel"), widget=_select())
    area = forms.CharField(
        max_length=120, required=False, label=_("Area"), widget=forms.TextInput(attrs={"class": "usa-input"})
    )
    tag = forms.CharField(
        max_length=40, required=False, label=_("Tag"), widget=forms.TextInput(attrs={"class": "usa-input"})
    )
    created_from = forms.DateField(
        required=False, label=_("Created from"), widget=DateInput(attrs={"class": "usa-input"})
    )
    created_to = forms.DateField(required=False, label=_("Created to"), widget=DateInput(attrs={"class": "usa-input"}))
    due_from = forms.DateField(required=False, label=_("Due from"), widget=DateInput(attrs={"class": "usa-input"}))
    due_to = forms.DateField(required=False, label=_("Due to"), widget=DateInput(attrs={"class": "usa-input"}))
    sort = forms.ChoiceField(
        choices=[(key, sort.label) for key, sort in SORTS.items()], required=False, label=_("Sort by"), widget=_select()
    )

    def __init__(self, *args: Any, actor: Any, choices: QueueChoices | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = choices or QueueChoices(actor=actor)
        fields: Any = self.fields
        fields["service_type"].use_options(choices.service_types)
        fields["team"].use_options(choices.teams)
        fields["assignee"].use_options(choices.people)

    def clean_tag(self) -> str:
        value = self.cleaned_data.get("tag", "")
        if not value:
            return ""
        try:
            return clean_tag(value)
        except DomainValidationError as error:
            raise forms.ValidationError(error.message) from error

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for start, end, label in (
            ("created_from", "created_to", _("Created to")),
            ("due_from", "due_to", _("Due to")),
        ):
            if data.get(start) and data.get(end) and data[start] > data[end]:
                self.add_error(end, _("%(field)s must be on or after the start date.") % {"field": label})
        return data

    def filters(self) -> QueueFilters:
        """The valid filters (invalid ones are left out and shown as errors)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        names = [name for name in QueueFilters.__dataclass_fields__ if name not in self.errors]
        return QueueFilters(**{name: data[name] for name in names if data.get(name)})

    @property
    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in QueueFilters.__dataclass_fields__)


BULK_ACTIONS = [("assign", _("Assign")), ("status", _("Change status")), ("tag", _("Add a tag"))]


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=BULK_ACTIONS, label=_("Action"), widget=_select())
    team = FastModelChoiceField(
        queryset=None, required=False, label=_("Team"), empty_label=_("Keep the team"), widget=_select(), **TEAM_LABEL
    )
    assignee = FastModelChoiceField(
        queryset=None, required=False, label=_("Person"), empty_label=_("Nobody"), widget=_select(), **PERSON_LABEL
    )
    status = forms.ChoiceField(
        choices=[("", _("Choose a status")), *CaseStatus.choices],
        required=False,
        label=_("New status"),
        widget=_select(),
    )
    tag = forms.CharField(
        max_length=40, required=False, label=_("Tag"), widget=forms.TextInput(attrs={"class": "usa-input"})
    )

    def __init__(self, *args: Any, actor: Any, choices: QueueChoices | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = choices or QueueChoices(actor=actor)
        fields: Any = self.fields
        fields["team"].use_options(choices.teams)
        fields["assignee"].use_options(choices.people)

    def references(self) -> list[str]:
        """The ticked cases, or every case on the page when "select all" was ticked (works without JS)."""
        if self.data.get("select_all"):
            return self.data.getlist("page_cases")
        return self.data.getlist("cases")
