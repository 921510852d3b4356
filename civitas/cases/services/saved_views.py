"""Saved views: a member of staff keeps a queue with its filters and sort under a name (their own only)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import QueryDict

from civitas.audit.services import audit_record
from civitas.cases.models import SavedView
from civitas.cases.queues import FILTER_KEYS, QUEUES, saved_view_get
from civitas.core.errors import ValidationError

MAX_NAME = 80
MAX_PARAMS = 2000


def clean_view_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("Give the view a name.", field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(f"Keep the name under {MAX_NAME} characters.", field="name")
    return name


def clean_view_params(params: str) -> str:
    """Keep only the filter and sort names a queue understands, with their non-empty values."""
    query = QueryDict(params or "")
    kept = [(key, value) for key in FILTER_KEYS for value in query.getlist(key) if value.strip()]
    text = urlencode(kept)
    if len(text) > MAX_PARAMS:
        raise ValidationError("These filters are too long to save.", field="params")
    return text


def saved_view_save(*, actor: Any, name: str, queue: str, params: str = "") -> SavedView:
    """Save the queue and its filters under `name`; saving again under a name replaces that view."""
    name = clean_view_name(name)
    if queue not in QUEUES:
        raise ValidationError("There is no such queue.", field="queue")
    params = clean_view_params(params)
    with transaction.atomic():
        view, created = SavedView.objects.update_or_create(
            owner_id=actor.pk, name=name, defaults={"queue": queue, "params": params}
        )
        audit_record(
            actor=actor,
            action="service:saved_view:create" if created else "service:saved_view:update",
            obj=view,
            context={"name": name, "queue": queue, "params": params},
        )
    return view


def saved_view_rename(*, actor: Any, view_id: int, name: str) -> SavedView:
    """Rename one of the actor's views; another of their views may not have the name already."""
    name = clean_view_name(name)
    with transaction.atomic():
        view = saved_view_get(actor=actor, view_id=view_id)
        if view.name == name:
            return view
        if SavedView.objects.filter(owner_id=actor.pk, name=name).exclude(pk=view.pk).exists():
            raise ValidationError(f"You already have a view called {name}.", field="name")
        before = view.name
        view.name = name
        view.save(update_fields=["name"])
        audit_record(
            actor=actor,
            action="service:saved_view:rename",
            obj=view,
            changes={"name": {"before": before, "after": name}},
        )
    return view


def saved_view_delete(*, actor: Any, view_id: int) -> None:
    with transaction.atomic():
        view = saved_view_get(actor=actor, view_id=view_id)
        audit_record(actor=actor, action="service:saved_view:delete", obj=view, context={"name": view.name})
        view.delete()
