"""Form widgets for the console.

`FastSelect` renders its options in Python. Django's own Select renders every <option> through
the template engine, which costs ~1 ms per 100 options; a queue page with the team, person and
service-type lists of a city (hundreds of options, in the filter and the bulk forms) spent most of
its time there.

`OptionList` goes one step further for lists shown more than once on a page (the queue's filter
and bulk forms both offer the teams and the people): it reads the rows with one `values_list`
query and renders their <option> elements once; every select given the same `OptionList` reuses
that HTML, marking its own selected value. One `OptionList` lives for one request (it is built
from the actor's scoped queryset), so nobody sees options of another user's scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property
from html import escape  # the standard library's: no lazy-string checks per option
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _first_label(first: Any, *rest: Any) -> str:
    return str(first)


class OptionList:
    """The (pk, label) rows of a choice queryset and their <option> HTML, each built once."""

    def __init__(
        self,
        queryset: QuerySet[Any],
        *,
        label_fields: tuple[str, ...] = ("name",),
        make_label: Callable[..., str] | None = None,
    ) -> None:
        self.queryset = queryset
        self.label_fields = label_fields
        self.make_label = make_label or _first_label

    @cached_property
    def rows(self) -> list[tuple[Any, str]]:
        make_label = self.make_label
        return [(pk, make_label(*label)) for pk, *label in self.queryset.values_list("pk", *self.label_fields)]

    @cached_property
    def html(self) -> str:
        return "".join(f'<option value="{escape(str(pk))}">{escape(str(label))}</option>' for pk, label in self.rows)

    def preload(self, rows: list[tuple[Any, str]], html: str) -> None:
        """Use rows and HTML kept from an earlier request (see QueueChoices.cached)."""
        self.__dict__["rows"], self.__dict__["html"] = rows, html

    def render(self, empty_label: Any, selected: set[str]) -> str:
        """The options, after an empty choice when `empty_label` is not None, with `selected` marked."""
        body = self.html
        for value in selected:
            if value:
                plain = f'<option value="{escape(value)}">'
                body = body.replace(plain, f"{plain[:-1]} selected>", 1)
        if empty_label is None:
            return body
        mark = " selected" if "" in selected else ""
        return f'<option value=""{mark}>{escape(str(empty_label))}</option>{body}'


class FastSelect(forms.Select):
    """A single-choice <select> with the same attributes and options as forms.Select, built directly."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = {str(v) for v in self.format_value(value)}
        choices = self.choices
        option_list = getattr(getattr(choices, "field", None), "option_list", None)
        if isinstance(choices, _LabelRowsIterator) and option_list is not None:
            options = option_list.render(choices.field.empty_label, selected)
        else:
            options = "".join(self._option(choice_value, label, selected) for choice_value, label in choices)
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))  # noqa: S308

    @staticmethod
    def _option(value: Any, label: Any, selected: set[str]) -> str:
        if isinstance(label, list | tuple):  # an <optgroup>
            inner = "".join(FastSelect._option(v, text, selected) for v, text in label)
            return f'<optgroup label="{escape(str(value))}">{inner}</optgroup>'
        text = "" if value is None else str(value)
        mark = " selected" if text in selected else ""
        return f'<option value="{escape(text)}"{mark}>{escape(str(label))}</option>'


class _LabelRowsIterator(ModelChoiceIterator):
    """Options from one `values_list` query (or the field's shared OptionList): no model instances."""

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        field: Any = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        if field.option_list is not None:
            yield from field.option_list.rows
            return
        for pk, *label in self.queryset.values_list("pk", *field.label_fields):
            yield (pk, field.make_label(*label))


class FastModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options are built from `label_fields` columns by `make_label`.

    Give it an `OptionList` (`field.use_options(options)`) to share one list of rendered options
    between several fields of a page. Submitted values are still checked against the queryset, as
    with ModelChoiceField.
    """

    iterator = _LabelRowsIterator

    def __init__(
        self, *args: Any, label_fields: tuple[str, ...] = ("name",), make_label: Any = None, **kwargs: Any
    ) -> None:
        self.label_fields = label_fields
        self.make_label = make_label or _first_label
        self.option_list: OptionList | None = None
        super().__init__(*args, **kwargs)

    def use_options(self, options: OptionList) -> None:
        """Validate against the list's queryset and render its shared options."""
        self.option_list = options
        self.queryset = options.queryset  # also resets the widget's choices
