"""Form widgets for the console.

`FastSelect` renders its options in Python. Django's own Select renders every <option> through
the template engine, which costs ~1 ms per 100 options; a queue page with the team, person and
service-type lists of a city (hundreds of options, in the filter and the bulk forms) spent most of
its time there.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape  # the standard library's: no lazy-string checks per option
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


class FastSelect(forms.Select):
    """A single-choice <select> with the same attributes and options as forms.Select, built directly."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = {str(v) for v in self.format_value(value)}
        options = [self._option(choice_value, label, selected) for choice_value, label in self.choices]
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe("".join(options)))  # noqa: S308

    @staticmethod
    def _option(value: Any, label: Any, selected: set[str]) -> str:
        if isinstance(label, list | tuple):  # an <optgroup>
            inner = "".join(FastSelect._option(v, text, selected) for v, text in label)
            return f'<optgroup label="{escape(str(value))}">{inner}</optgroup>'
        text = "" if value is None else str(value)
        mark = " selected" if text in selected else ""
        return f'<option value="{escape(text)}"{mark}>{escape(str(label))}</option>'


class _LabelRowsIterator(ModelChoiceIterator):
    """Options from one `values_list` query: no model instances, no per-option template."""

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        field: Any = self.field
        if field.empty_label is not None:
            yield ("", field.empty_label)
        for pk, *label in self.queryset.values_list("pk", *field.label_fields):
            yield (pk, field.make_label(*label))


class FastModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options are built from `label_fields` columns by `make_label`.

    Submitted values are still checked against the queryset, as with ModelChoiceField.
    """

    iterator = _LabelRowsIterator

    def __init__(
        self, *args: Any, label_fields: tuple[str, ...] = ("name",), make_label: Any = None, **kwargs: Any
    ) -> None:
        self.label_fields = label_fields
        self.make_label = make_label or (lambda first, *rest: str(first))
        super().__init__(*args, **kwargs)
