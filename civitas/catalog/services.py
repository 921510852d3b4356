"""Writes to the service catalogue. Each one checks permission, validates everything before writing,
runs in one transaction and records an audit event (before/after of the changed fields) in it.

Translatable text may be given as `name` (the default language) or per language as `name_es`,
`description_es`, `keywords_es`… Service groups are shared by every department, so changing them
needs catalogue management organisation-wide; service types and their attributes need it in the
owning department.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils.translation import override
from modeltranslation.settings import AVAILABLE_LANGUAGES, DEFAULT_LANGUAGE

from civitas.accounts.models import Department, Team
from civitas.accounts.permissions import ALL, departments_for, require
from civitas.audit.services import audit_record, diff
from civitas.catalog.cleaning import (
    DESCRIPTION_MAX_LENGTH,
    HINT_MAX_LENGTH,
    NAME_MAX_LENGTH,
    Cleaner,
    check_default_team,
    check_required_variable,
    check_targets,
    check_values_for_datatype,
    choice_cleaner,
    clean_bool,
    clean_code,
    clean_keywords,
    clean_order,
    clean_radius,
    clean_slug,
    clean_target_hours,
    clean_translations,
    clean_value_key,
    instance_cleaner,
    instances_cleaner,
    localized,
    refuse_unknown,
    split_translations,
    text_cleaner,
)
from civitas.catalog.models import (
    AttributeDatatype,
    AttributeValue,
    ServiceAttribute,
    ServiceGroup,
    ServiceKind,
    ServiceType,
)
from civitas.core.choices import Priority
from civitas.core.errors import PermissionDenied, ValidationError

ValueSpec = tuple[str, str] | Mapping[str, Any]

_name = text_cleaner(max_length=NAME_MAX_LENGTH, required=True, single_line=True)
_description = text_cleaner(max_length=DESCRIPTION_MAX_LENGTH)

GROUP_TEXTS: dict[str, Cleaner] = {"name": _name, "description": _description}
GROUP_FIELDS: dict[str, Cleaner] = {"code": clean_slug, "order": clean_order, "is_active": clean_bool}

TYPE_TEXTS: dict[str, Cleaner] = {"name": _name, "description": _description, "keywords": clean_keywords}
TYPE_FIELDS: dict[str, Cleaner] = {
    "code": clean_code,
    "group": instance_cleaner(ServiceGroup),
    "extra_groups": instances_cleaner(ServiceGroup),
    "kind": choice_cleaner(ServiceKind),
    "department": instance_cleaner(Department),
    "default_team": instance_cleaner(Team, nullable=True),
    "default_priority": choice_cleaner(Priority),
    "response_target_hours": clean_target_hours,
    "resolution_target_hours": clean_target_hours,
    "is_active": clean_bool,
    "is_private": clean_bool,
    "is_location_sensitive": clean_bool,
    "duplicate_radius_m": clean_radius,
    "order": clean_order,
}

ATTRIBUTE_TEXTS: dict[str, Cleaner] = {
    "description": text_cleaner(max_length=DESCRIPTION_MAX_LENGTH, required=True),
    "datatype_description": text_cleaner(max_length=HINT_MAX_LENGTH, single_line=True),
}
ATTRIBUTE_FIELDS: dict[str, Cleaner] = {
    "code": clean_code,
    "datatype": choice_cleaner(AttributeDatatype),
    "variable": clean_bool,
    "required": clean_bool,
    "order": clean_order,
    "is_active": clean_bool,
}
VALUE_TEXTS: dict[str, Cleaner] = {"name": _name}


# --- service groups -------------------------------------------------------------------------------


def service_group_create(*, actor: Any, code: str, name: str, **fields: Any) -> ServiceGroup:
    """Create a group. `fields`: description, order, is_active and per-language name_/description_."""
    _require_org_wide(actor)
    cleaned = _clean(GROUP_TEXTS, GROUP_FIELDS, {"code": code, "name": name, **fields}, partial=False)
    with transaction.atomic():
        _refuse_taken_code(ServiceGroup.objects.all(), cleaned["code"], "A service group")
        group = ServiceGroup()
        _apply(group, cleaned, GROUP_TEXTS)
        _insert(group, ServiceGroup.objects.all(), "A service group")
        after = _snapshot(group, _audited(GROUP_TEXTS, GROUP_FIELDS))
        audit_record(actor=actor, action="service:servicegroup:create", obj=group, changes=diff({}, after))
    return group


def service_group_update(*, actor: Any, group: ServiceGroup, **fields: Any) -> ServiceGroup:
    """Change a group's code, texts, order or active flag. Unchanged values write nothing."""
    _require_org_wide(actor)
    cleaned = _clean(GROUP_TEXTS, GROUP_FIELDS, fields, partial=True)
    with transaction.atomic():
        current = ServiceGroup.objects.select_for_update().get(pk=group.pk)
        if "code" in cleaned:
            _refuse_taken_code(ServiceGroup.objects.exclude(pk=current.pk), cleaned["code"], "A service group")
        before = _snapshot(current, cleaned)
        _apply(current, cleaned, GROUP_TEXTS)
        _save_changes(current, before, cleaned, GROUP_TEXTS, actor=actor, action="service:servicegroup:update")
    group.refresh_from_db()
    return group


# --- service types --------------------------------------------------------------------------------


def service_type_create(
    *,
    actor: Any,
    code: str,
    name: str,
    group: ServiceGroup,
    department: Department,
    **fields: Any,
) -> ServiceType:
    """Create a service type (an Open311 service).

    `fields` (all optional): description, keywords, extra_groups, kind, default_team,
    default_priority, response_target_hours, resolution_target_hours, is_active, is_private,
    is_location_sensitive, duplicate_radius_m, order, and per-language texts (name_es…).
    """
    require(actor, "catalog.manage", getattr(department, "pk", None))
    data = {"code": code, "name": name, "group": group, "department": department, **fields}
    cleaned = _clean(TYPE_TEXTS, TYPE_FIELDS, data, partial=False)
    extra_groups = cleaned.pop("extra_groups", [])
    service_type = ServiceType()
    _apply(service_type, cleaned, TYPE_TEXTS)
    _check_service_type(service_type)
    with transaction.atomic():
        _refuse_taken_code(ServiceType.objects.all(), cleaned["code"], "A service type")
        _insert(service_type, ServiceType.objects.all(), "A service type")
        _set_extra_groups(service_type, extra_groups)
        after = _snapshot(service_type, _audited(TYPE_TEXTS, TYPE_FIELDS))
        audit_record(actor=actor, action="service:servicetype:create", obj=service_type, changes=diff({}, after))
    return service_type


def service_type_update(*, actor: Any, service_type: ServiceType, **fields: Any) -> ServiceType:
    """Change any field of a service type (same names as service_type_create).

    Moving it to another department needs catalogue management in both departments.
    The caller's instance is refreshed; unchanged values write nothing.
    """
    require(actor, "catalog.manage", service_type.department_id)
    cleaned = _clean(TYPE_TEXTS, TYPE_FIELDS, fields, partial=True)
    if "department" in cleaned and cleaned["department"].pk != service_type.department_id:
        require(actor, "catalog.manage", cleaned["department"].pk)
    with transaction.atomic():
        current = ServiceType.objects.select_for_update().get(pk=service_type.pk)
        if current.department_id != service_type.department_id:  # moved since the caller loaded it
            require(actor, "catalog.manage", current.department_id)
        if "code" in cleaned:
            _refuse_taken_code(ServiceType.objects.exclude(pk=current.pk), cleaned["code"], "A service type")
        before = _snapshot(current, {*cleaned, "extra_groups"})
        extra_groups = cleaned.pop("extra_groups", None)
        _apply(current, cleaned, TYPE_TEXTS)
        _check_service_type(current)
        _save_changes(
            current,
            before,
            cleaned,
            TYPE_TEXTS,
            actor=actor,
            action="service:servicetype:update",
            extra_groups=extra_groups,
        )
    service_type.refresh_from_db()
    return service_type


def _check_service_type(service_type: ServiceType) -> None:
    """Rules across fields, checked on the state about to be saved."""
    check_default_team(service_type.default_team, service_type.department_id)
    check_targets(service_type.response_target_hours, service_type.resolution_target_hours)


def _set_extra_groups(service_type: ServiceType, groups: Iterable[ServiceGroup]) -> None:
    service_type.extra_groups.set([group for group in groups if group.pk != service_type.group_id])


# --- attributes -----------------------------------------------------------------------------------


def attribute_add(
    *,
    actor: Any,
    service_type: ServiceType,
    code: str,
    datatype: str,
    description: str,
    required: bool = False,
    values: Iterable[ValueSpec] = (),
    **fields: Any,
) -> ServiceAttribute:
    """Add a question to a service type's form (an Open311 attribute).

    `values` — for list datatypes, at least one: (key, name) pairs or mappings with key, name,
    optional order and per-language names (name_es). `fields`: variable, datatype_description,
    order (default: after the last attribute), is_active, description_es…
    """
    require(actor, "catalog.manage", service_type.department_id)
    data = {"code": code, "datatype": datatype, "description": description, "required": required, **fields}
    cleaned = _clean(ATTRIBUTE_TEXTS, ATTRIBUTE_FIELDS, data, partial=False)
    specs = clean_values(values)
    attribute = ServiceAttribute(service_type=service_type)
    _apply(attribute, cleaned, ATTRIBUTE_TEXTS)
    _check_attribute(attribute, [spec["key"] for spec in specs])
    siblings = ServiceAttribute.objects.filter(service_type=service_type)
    with transaction.atomic():
        _lock(ServiceType, service_type.pk)  # serialise additions to one form
        _refuse_taken_code(siblings, attribute.code, f"{service_type.code} already has an attribute")
        if "order" not in cleaned:
            attribute.order = (siblings.aggregate(last=Max("order"))["last"] or 0) + 1
        _insert(attribute, siblings, f"{service_type.code} already has an attribute")
        _replace_values(attribute, specs)
        after = {
            **_snapshot(attribute, _audited(ATTRIBUTE_TEXTS, ATTRIBUTE_FIELDS)),
            "values": _values_state(attribute),
        }
        audit_record(
            actor=actor,
            action="service:serviceattribute:create",
            obj=attribute,
            changes=diff({}, after),
            context={"service_type_id": service_type.pk},
        )
    return attribute


def attribute_update(*, actor: Any, attribute: ServiceAttribute, **fields: Any) -> ServiceAttribute:
    """Change an attribute: texts, datatype, variable, required, order, is_active or `values`.

    `values`, when given, replaces the list (same shape as attribute_add; existing keys are kept
    and renamed, missing keys removed). The code cannot change: stored answers are keyed by it.
    """
    require(actor, "catalog.manage", _department_of(attribute))
    fields = dict(fields)
    if "code" in fields and fields.pop("code") != attribute.code:
        raise ValidationError(
            "The code of an attribute cannot change (stored answers use it); add a new attribute instead.",
            field="code",
        )
    specs = clean_values(fields.pop("values")) if "values" in fields else None
    cleaned = _clean(ATTRIBUTE_TEXTS, ATTRIBUTE_FIELDS, fields, partial=True)
    with transaction.atomic():
        current = ServiceAttribute.objects.select_for_update().get(pk=attribute.pk)
        before = {**_snapshot(current, cleaned), "values": _values_state(current)}
        _apply(current, cleaned, ATTRIBUTE_TEXTS)
        keys = [spec["key"] for spec in specs] if specs is not None else [v["key"] for v in before["values"]]
        _check_attribute(current, keys)
        if specs is not None:
            _replace_values(current, specs)
        _save_changes(
            current,
            before,
            cleaned,
            ATTRIBUTE_TEXTS,
            actor=actor,
            action="service:serviceattribute:update",
            extra_after={"values": _values_state(current)},
            context={"service_type_id": current.service_type_id},
        )
    attribute.refresh_from_db()
    return attribute


def _department_of(attribute: ServiceAttribute) -> int:
    return ServiceType.objects.values_list("department_id", flat=True).get(pk=attribute.service_type_id)


def _check_attribute(attribute: ServiceAttribute, keys: list[str]) -> None:
    check_values_for_datatype(attribute.datatype, len(keys))
    check_required_variable(required=attribute.required, variable=attribute.variable)


def clean_values(values: Iterable[ValueSpec] | None) -> list[dict[str, Any]]:
    """Clean the choices of a list attribute into [{"key", "order", "name_en", "name_es"…}]."""
    if values is None:
        return []
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise ValidationError("Give the values as a list of (key, name) pairs.", field="values")
    specs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(values):
        spec = _clean_value(item, index)
        if spec["key"] in seen:
            raise ValidationError(f"The value key {spec['key']!r} appears twice.", field="values")
        seen.add(spec["key"])
        specs.append(spec)
    return specs


def _clean_value(item: ValueSpec, index: int) -> dict[str, Any]:
    if isinstance(item, Mapping):
        data = dict(item)
    elif isinstance(item, list | tuple) and len(item) == 2:
        data = {"key": item[0], "name": item[1]}
    else:
        raise ValidationError("Each value must be a (key, name) pair or a mapping with key and name.", field="values")
    key = clean_value_key(data.pop("key", None))
    order = clean_order(data.pop("order", index), "values")
    try:
        texts, rest = split_translations(data, VALUE_TEXTS)
        refuse_unknown(rest, ())
        names = clean_translations(texts, VALUE_TEXTS, partial=False)
    except ValidationError as error:
        raise ValidationError(f"Value {key!r}: {error.message}", field="values") from None
    return {"key": key, "order": order, **names}


def _replace_values(attribute: ServiceAttribute, specs: list[dict[str, Any]]) -> None:
    existing = {value.key: value for value in attribute.values.all()}
    wanted = {spec["key"] for spec in specs}
    attribute.values.filter(key__in=set(existing) - wanted).delete()
    new: list[AttributeValue] = []
    for spec in specs:
        fields = {name: spec[name] for name in spec if name != "key"}
        value = existing.get(spec["key"])
        if value is None:
            value = AttributeValue(attribute=attribute, key=spec["key"])
            _apply(value, fields, VALUE_TEXTS)
            new.append(value)
            continue
        before = _snapshot(value, fields)
        _apply(value, fields, VALUE_TEXTS)
        changed = _changed_columns(before, _snapshot(value, fields), VALUE_TEXTS)
        if changed:
            value.save(update_fields=[*changed, "updated_at"])
    AttributeValue.objects.bulk_create(new)


def _values_state(attribute: ServiceAttribute) -> list[dict[str, Any]]:
    columns = ["key", "order", *(localized("name", language) for language in AVAILABLE_LANGUAGES)]
    return list(AttributeValue.objects.filter(attribute=attribute).order_by("order", "id").values(*columns))


# --- shared helpers -------------------------------------------------------------------------------


def _require_org_wide(actor: Any) -> None:
    require(actor, "catalog.manage")
    if departments_for(actor, "catalog.manage") is not ALL:
        raise PermissionDenied(
            "Service groups are shared by every department: only an organisation-wide "
            "catalogue administrator may change them."
        )


def _clean(
    texts: Mapping[str, Cleaner], plain: Mapping[str, Cleaner], data: Mapping[str, Any], *, partial: bool
) -> dict[str, Any]:
    """Clean every given field (per-language texts become name_en, name_es…); refuse unknown ones."""
    text_input, other = split_translations(data, texts)
    refuse_unknown(other, plain)
    cleaned = clean_translations(text_input, texts, partial=partial)
    for name, value in other.items():
        cleaned[name] = plain[name](value, name)
    return cleaned


def _audited(texts: Mapping[str, Cleaner], plain: Mapping[str, Cleaner]) -> list[str]:
    columns = [localized(base, language) for base in texts for language in AVAILABLE_LANGUAGES]
    return [*columns, *plain]


def _apply(obj: Model, cleaned: Mapping[str, Any], texts: Mapping[str, Cleaner]) -> None:
    """Set cleaned values; a default-language text also updates the untranslated column."""
    defaults = {localized(base): base for base in texts}
    for name, value in cleaned.items():
        if name in defaults:
            with override(DEFAULT_LANGUAGE):
                setattr(obj, defaults[name], value)  # sets name_<default> and the base column `name`
        else:
            setattr(obj, name, value)


def _snapshot(obj: Model, names: Iterable[str]) -> dict[str, Any]:
    """JSON-safe values of `names` for the audit trail (relations as primary keys)."""
    data: dict[str, Any] = {}
    for name in names:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted(getattr(obj, name).values_list("pk", flat=True)) if obj.pk else []
        elif field.is_relation:
            data[name] = getattr(obj, field.attname)  # type: ignore[union-attr]
        else:
            data[name] = getattr(obj, name)
    return data


def _save_changes(
    obj: Model,
    before: dict[str, Any],
    cleaned: Mapping[str, Any],
    texts: Mapping[str, Cleaner],
    *,
    actor: Any,
    action: str,
    extra_groups: list[ServiceGroup] | None = None,
    extra_after: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
) -> None:
    """Save the changed columns (and extra groups), then audit before/after if anything changed."""
    concrete = _changed_columns(before, _snapshot(obj, [n for n in cleaned if n != "extra_groups"]), texts)
    if concrete:
        obj.save(update_fields=[*concrete, "updated_at"])
    if isinstance(obj, ServiceType):
        if extra_groups is not None:
            _set_extra_groups(obj, extra_groups)
        elif "group" in concrete:
            obj.extra_groups.remove(obj.group_id)
    extra_after = extra_after or {}
    after = {**_snapshot(obj, [name for name in before if name not in extra_after]), **extra_after}
    changes = diff(before, after)
    if changes:
        audit_record(actor=actor, action=action, obj=obj, changes=changes, context=context)


def _changed_columns(before: Mapping[str, Any], after: Mapping[str, Any], texts: Mapping[str, Cleaner]) -> list[str]:
    defaults = {localized(base): base for base in texts}
    columns: list[str] = []
    for name, value in after.items():
        if before.get(name) != value:
            columns.append(name)
            if name in defaults:
                columns.append(defaults[name])
    return columns


def _lock(model: type[Model], pk: int) -> None:
    """Lock one row until the transaction ends (PostgreSQL; SQLite already serialises writers)."""
    list(model._default_manager.select_for_update().filter(pk=pk).values_list("pk", flat=True))


def _refuse_taken_code(queryset: Any, code: str, what: str) -> None:
    if queryset.filter(code=code).exists():
        raise ValidationError(f"{what} with code {code!r} already exists.", field="code")


def _insert(obj: Model, same_scope: Any, what: str) -> None:
    """Insert `obj`; a concurrent insert of the same code becomes a ValidationError, not a 500."""
    try:
        with transaction.atomic():
            obj.save(force_insert=True)
    except IntegrityError:
        code = getattr(obj, "code", None)
        if code is not None and same_scope.filter(code=code).exists():
            raise ValidationError(f"{what} with code {code!r} already exists.", field="code") from None
        raise
