"""Catalogue writes: permission, validation, audit in the same transaction, nothing partial on error."""

from __future__ import annotations

import pytest
from django.utils import translation

from civitas.accounts.models import Team
from civitas.audit.models import AuditEvent
from civitas.catalog import services
from civitas.catalog.models import AttributeDatatype as D
from civitas.catalog.models import AttributeValue, ServiceAttribute, ServiceGroup, ServiceKind, ServiceType
from civitas.catalog.services import (
    attribute_add,
    attribute_update,
    service_group_create,
    service_group_update,
    service_type_create,
    service_type_update,
)
from civitas.core.errors import PermissionDenied, ValidationError

SIZES = [("small", "Small"), ("large", "Large")]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def new_type(actor, group, department, **fields) -> ServiceType:
    fields.setdefault("code", "streetlight-out")
    fields.setdefault("name", "Street light out")
    return service_type_create(actor=actor, group=group, department=department, **fields)


# --- service groups -------------------------------------------------------------------------------


@pytest.mark.django_db
class TestServiceGroups:
    def test_create_is_audited(self, admin_user):
        group = service_group_create(actor=admin_user, code="trash", name="Trash", name_es="Basura", order=3)
        assert (group.name_en, group.name_es, group.order) == ("Trash", "Basura", 3)
        (event,) = events("service:servicegroup:create")
        assert event.actor_id == admin_user.pk
        assert event.object_id == str(group.pk)
        assert event.changes["code"] == {"before": None, "after": "trash"}
        assert event.changes["name_es"] == {"before": None, "after": "Basura"}

    def test_groups_are_org_wide_so_department_admins_may_not_create_them(self, catalog_admin):
        with pytest.raises(PermissionDenied):
            service_group_create(actor=catalog_admin, code="trash", name="Trash")
        assert not ServiceGroup.objects.exists()
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize(("code", "name", "field"), [("bad code", "X", "code"), ("ok", "  ", "name_en")])
    def test_invalid_input(self, admin_user, code, name, field):
        with pytest.raises(ValidationError) as caught:
            service_group_create(actor=admin_user, code=code, name=name)
        assert caught.value.field == field

    def test_duplicate_code(self, admin_user, group):
        with pytest.raises(ValidationError) as caught:
            service_group_create(actor=admin_user, code="streets", name="Streets again")
        assert caught.value.field == "code"

    def test_update_records_only_what_changed(self, admin_user, group):
        service_group_update(actor=admin_user, group=group, name="Streets and sidewalks", order=1)
        assert group.name_en == "Streets and sidewalks"
        (event,) = events("service:servicegroup:update")
        assert event.changes == {"name_en": {"before": "Streets", "after": "Streets and sidewalks"}}
        service_group_update(actor=admin_user, group=group, order=1)  # no change: no write, no event
        assert len(events("service:servicegroup:update")) == 1


# --- service types --------------------------------------------------------------------------------


@pytest.mark.django_db
class TestServiceTypeCreate:
    def test_department_admin_creates_in_own_department(self, catalog_admin, group, department):
        extra = ServiceGroup.objects.create(code="lights", name_en="Lights")
        st = new_type(
            catalog_admin,
            group,
            department,
            keywords="lamp, light , Lamp,,dark street",
            name_es="Farola apagada",
            extra_groups=[extra, group],
            kind=ServiceKind.BATCH,
            response_target_hours=24,
            resolution_target_hours=72,
            is_location_sensitive=True,
        )
        st.refresh_from_db()
        assert st.keywords_en == "lamp, light, dark street"
        assert st.name == "Street light out"
        assert list(st.extra_groups.all()) == [extra]  # the primary group is not repeated
        with translation.override("es"):
            assert st.name == "Farola apagada"
        (event,) = events("service:servicetype:create")
        assert event.object_type == "catalog.servicetype"
        assert event.changes["code"] == {"before": None, "after": "streetlight-out"}
        assert event.changes["department"] == {"before": None, "after": department.pk}
        assert event.changes["extra_groups"] == {"before": None, "after": [extra.pk]}

    def test_written_in_the_default_language_whatever_the_active_one(self, catalog_admin, group, department):
        with translation.override("es"):
            st = new_type(catalog_admin, group, department, name="Street light out")
        st.refresh_from_db()
        assert (st.name_en, st.name_es) == ("Street light out", None)

    def test_admin_of_another_department_is_refused_and_nothing_is_written(
        self, make_staff, other_department, group, department
    ):
        parks_admin = make_staff("department_admin", department=other_department)
        with pytest.raises(PermissionDenied):
            new_type(parks_admin, group, department)
        assert not ServiceType.objects.exists()
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize("role", ["caseworker", "supervisor", "agent"])
    def test_other_roles_may_not_manage_the_catalogue(self, make_staff, department, group, role):
        with pytest.raises(PermissionDenied):
            new_type(make_staff(role, department=department), group, department)

    def test_anonymous_is_refused(self, group, department):
        from django.contrib.auth.models import AnonymousUser

        with pytest.raises(PermissionDenied):
            new_type(AnonymousUser(), group, department)

    @pytest.mark.parametrize("code", ["", "has space", "slash/code", "é", "x" * 101, None])
    def test_code_format(self, catalog_admin, group, department, code):
        with pytest.raises(ValidationError) as caught:
            new_type(catalog_admin, group, department, code=code)
        assert caught.value.field == "code"

    @pytest.mark.parametrize("code", ["4fd3b167e750", "pot.hole_2-b", "SR_POTHOLE"])
    def test_open311_codes_accepted(self, catalog_admin, group, department, code):
        assert new_type(catalog_admin, group, department, code=code).code == code

    def test_duplicate_code(self, catalog_admin, group, department, service_type):
        with pytest.raises(ValidationError) as caught:
            new_type(catalog_admin, group, department, code="pothole")
        assert caught.value.field == "code"
        assert "already exists" in caught.value.message

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"kind": "sometimes"}, "kind"),
            ({"default_priority": "asap"}, "default_priority"),
            ({"response_target_hours": 0}, "response_target_hours"),
            ({"resolution_target_hours": "12"}, "resolution_target_hours"),
            ({"response_target_hours": 48, "resolution_target_hours": 24}, "resolution_target_hours"),
            ({"duplicate_radius_m": -1}, "duplicate_radius_m"),
            ({"is_private": "yes"}, "is_private"),
            ({"colour": "red"}, "colour"),
            ({"name": ""}, "name_en"),
            ({"name_xx": "?"}, "name_xx"),
            ({"extra_groups": "lights"}, "extra_groups"),
        ],
    )
    def test_invalid_fields_are_named(self, catalog_admin, group, department, fields, field):
        with pytest.raises(ValidationError) as caught:
            new_type(catalog_admin, group, department, **fields)
        assert caught.value.field == field
        assert not ServiceType.objects.exists()

    def test_group_and_department_must_be_instances(self, catalog_admin, group, department):
        with pytest.raises(ValidationError) as caught:
            new_type(catalog_admin, None, department)
        assert caught.value.field == "group"
        with pytest.raises(ValidationError) as caught:
            new_type(catalog_admin, group, department.pk)
        assert caught.value.field == "department"

    def test_default_team_must_belong_to_the_department(self, catalog_admin, group, department, other_department):
        parks_team = Team.objects.create(department=other_department, code="crew", name="Crew")
        with pytest.raises(ValidationError) as caught:
            new_type(catalog_admin, group, department, default_team=parks_team)
        assert caught.value.field == "default_team"
        own_team = Team.objects.create(department=department, code="roads", name="Roads")
        assert new_type(catalog_admin, group, department, default_team=own_team).default_team == own_team

    def test_inactive_group_refused(self, catalog_admin, group, department):
        group.is_active = False
        group.save()
        with pytest.raises(ValidationError) as caught:
            new_type(catalog_admin, group, department)
        assert caught.value.field == "group"

    def test_audit_failure_leaves_nothing_behind(self, catalog_admin, group, department, monkeypatch):
        extra = ServiceGroup.objects.create(code="lights", name_en="Lights")

        def broken(**kwargs):
            raise RuntimeError("audit store unavailable")

        monkeypatch.setattr(services, "audit_record", broken)
        with pytest.raises(RuntimeError):
            new_type(catalog_admin, group, department, extra_groups=[extra])
        assert not ServiceType.objects.exists()
        assert not ServiceType.extra_groups.through.objects.exists()


@pytest.mark.django_db
class TestServiceTypeUpdate:
    def test_changes_are_audited_with_before_and_after(self, catalog_admin, service_type):
        service_type_update(
            actor=catalog_admin,
            service_type=service_type,
            name="Pothole or sinkhole",
            keywords_es="bache, hoyo",
            is_private=False,  # unchanged: not recorded
            response_target_hours=48,
        )
        assert service_type.name_en == "Pothole or sinkhole"
        assert service_type.keywords_es == "bache, hoyo"
        (event,) = events("service:servicetype:update")
        assert event.changes == {
            "name_en": {"before": "Pothole", "after": "Pothole or sinkhole"},
            "keywords_es": {"before": None, "after": "bache, hoyo"},
            "response_target_hours": {"before": None, "after": 48},
        }

    def test_nothing_changed_writes_nothing(self, catalog_admin, service_type):
        before = ServiceType.objects.values_list("updated_at", flat=True).get(pk=service_type.pk)
        service_type_update(actor=catalog_admin, service_type=service_type, code="pothole", order=0)
        assert ServiceType.objects.values_list("updated_at", flat=True).get(pk=service_type.pk) == before
        assert not events("service:servicetype:update")

    def test_extra_groups_and_primary_group(self, catalog_admin, service_type, group):
        lights = ServiceGroup.objects.create(code="lights", name_en="Lights")
        service_type_update(actor=catalog_admin, service_type=service_type, extra_groups=[lights])
        assert list(service_type.extra_groups.all()) == [lights]
        service_type_update(actor=catalog_admin, service_type=service_type, group=lights)
        assert service_type.group == lights
        assert list(service_type.extra_groups.all()) == []
        change = events("service:servicetype:update")[-1].changes
        assert change["group"] == {"before": group.pk, "after": lights.pk}
        assert change["extra_groups"] == {"before": [lights.pk], "after": []}

    def test_admin_of_another_department_refused(self, make_staff, other_department, service_type):
        parks_admin = make_staff("department_admin", department=other_department)
        with pytest.raises(PermissionDenied):
            service_type_update(actor=parks_admin, service_type=service_type, name="Mine now")
        service_type.refresh_from_db()
        assert service_type.name_en == "Pothole"
        assert not AuditEvent.objects.exists()

    def test_moving_department_needs_both(self, catalog_admin, make_staff, service_type, department, other_department):
        with pytest.raises(PermissionDenied):
            service_type_update(actor=catalog_admin, service_type=service_type, department=other_department)
        both = make_staff("department_admin", department=department)
        from civitas.accounts.models import Membership

        Membership.objects.create(user=both, role="department_admin", department=other_department)
        service_type_update(actor=both, service_type=service_type, department=other_department)
        assert service_type.department == other_department

    def test_moving_department_checks_the_default_team(self, admin_user, service_type, department, other_department):
        team = Team.objects.create(department=department, code="roads", name="Roads")
        service_type_update(actor=admin_user, service_type=service_type, default_team=team)
        with pytest.raises(ValidationError) as caught:
            service_type_update(actor=admin_user, service_type=service_type, department=other_department)
        assert caught.value.field == "default_team"
        service_type_update(actor=admin_user, service_type=service_type, department=other_department, default_team=None)
        assert (service_type.department, service_type.default_team) == (other_department, None)

    def test_code_change_validated(self, catalog_admin, service_type, make_service_type):
        make_service_type("graffiti")
        for code, message in [("graffiti", "already exists"), ("no spaces", "letters, digits")]:
            with pytest.raises(ValidationError) as caught:
                service_type_update(actor=catalog_admin, service_type=service_type, code=code)
            assert caught.value.field == "code"
            assert message in caught.value.message


# --- attributes -----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestAttributeAdd:
    def test_list_attribute_with_values(self, catalog_admin, service_type):
        attribute = attribute_add(
            actor=catalog_admin,
            service_type=service_type,
            code="size",
            datatype=D.SINGLEVALUELIST,
            description="How big is it?",
            required=True,
            values=[("small", "Small"), {"key": "large", "name": "Large", "name_es": "Grande"}],
            description_es="¿Qué tamaño tiene?",
        )
        assert attribute.order == 1
        assert list(attribute.values.values_list("key", "name_en", "name_es", "order")) == [
            ("small", "Small", None, 0),
            ("large", "Large", "Grande", 1),
        ]
        assert service_type.has_metadata
        (event,) = events("service:serviceattribute:create")
        assert event.changes["values"]["after"][1]["name_es"] == "Grande"
        assert event.context == {"service_type_id": service_type.pk}

    def test_order_defaults_to_after_the_last(self, catalog_admin, service_type, make_attribute):
        make_attribute(service_type, "first", D.STRING, order=7)
        attribute = attribute_add(
            actor=catalog_admin, service_type=service_type, code="next", datatype=D.NUMBER, description="Count"
        )
        assert attribute.order == 8

    @pytest.mark.parametrize(
        ("datatype", "values", "field"),
        [
            (D.SINGLEVALUELIST, [], "values"),
            (D.MULTIVALUELIST, None, "values"),
            (D.STRING, SIZES, "values"),
            (D.NUMBER, [("1", "One")], "values"),
            (D.SINGLEVALUELIST, [("a", "A"), ("a", "Again")], "values"),
            (D.SINGLEVALUELIST, [("a", "")], "values"),
            (D.SINGLEVALUELIST, [("", "Blank key")], "values"),
            (D.SINGLEVALUELIST, ["just-a-key"], "values"),
            (D.SINGLEVALUELIST, "small,large", "values"),
            (D.SINGLEVALUELIST, [{"key": "a", "name": "A", "colour": "red"}], "values"),
            ("boolean", [], "datatype"),
        ],
    )
    def test_values_must_suit_the_datatype(self, catalog_admin, service_type, datatype, values, field):
        with pytest.raises(ValidationError) as caught:
            attribute_add(
                actor=catalog_admin,
                service_type=service_type,
                code="size",
                datatype=datatype,
                description="Size",
                values=values,
            )
        assert caught.value.field == field
        assert not ServiceAttribute.objects.exists()
        assert not AttributeValue.objects.exists()

    def test_duplicate_code_refused(self, catalog_admin, service_type, make_attribute):
        make_attribute(service_type, "size", D.STRING)
        with pytest.raises(ValidationError) as caught:
            attribute_add(actor=catalog_admin, service_type=service_type, code="size", datatype=D.TEXT, description="S")
        assert caught.value.field == "code"

    def test_same_code_on_another_service_is_fine(self, catalog_admin, service_type, make_service_type, make_attribute):
        make_attribute(make_service_type("graffiti"), "size", D.STRING)
        attribute_add(actor=catalog_admin, service_type=service_type, code="size", datatype=D.TEXT, description="S")

    @pytest.mark.parametrize(("fields", "field"), [({"code": "a b"}, "code"), ({"description": " "}, "description_en")])
    def test_code_and_description_checked(self, catalog_admin, service_type, fields, field):
        data = {"code": "size", "datatype": D.STRING, "description": "Size", **fields}
        with pytest.raises(ValidationError) as caught:
            attribute_add(actor=catalog_admin, service_type=service_type, **data)
        assert caught.value.field == field

    def test_information_only_cannot_be_required(self, catalog_admin, service_type):
        with pytest.raises(ValidationError) as caught:
            attribute_add(
                actor=catalog_admin,
                service_type=service_type,
                code="note",
                datatype=D.TEXT,
                description="Keep clear",
                required=True,
                variable=False,
            )
        assert caught.value.field == "required"

    def test_admin_of_another_department_refused(self, make_staff, other_department, service_type):
        parks_admin = make_staff("department_admin", department=other_department)
        with pytest.raises(PermissionDenied):
            attribute_add(actor=parks_admin, service_type=service_type, code="x", datatype=D.TEXT, description="X")
        assert not ServiceAttribute.objects.exists()

    def test_audit_failure_leaves_no_attribute_or_values(self, catalog_admin, service_type, monkeypatch):
        def broken(**kwargs):
            raise RuntimeError("audit store unavailable")

        monkeypatch.setattr(services, "audit_record", broken)
        with pytest.raises(RuntimeError):
            attribute_add(
                actor=catalog_admin,
                service_type=service_type,
                code="size",
                datatype=D.SINGLEVALUELIST,
                description="Size",
                values=SIZES,
            )
        assert not ServiceAttribute.objects.exists()
        assert not AttributeValue.objects.exists()


@pytest.mark.django_db
class TestAttributeUpdate:
    @pytest.fixture
    def size(self, service_type, make_attribute):
        return make_attribute(service_type, "size", D.SINGLEVALUELIST, "Size", values=SIZES)

    def test_values_are_replaced_and_audited(self, catalog_admin, size):
        small = size.values.get(key="small")
        attribute_update(
            actor=catalog_admin,
            attribute=size,
            values=[("small", "Little"), ("medium", "Medium")],
            required=True,
        )
        assert list(size.values.values_list("key", "name_en")) == [("small", "Little"), ("medium", "Medium")]
        assert size.values.get(key="small").pk == small.pk  # kept, renamed
        assert size.required
        (event,) = events("service:serviceattribute:update")
        assert event.changes["required"] == {"before": False, "after": True}
        assert [v["key"] for v in event.changes["values"]["before"]] == ["small", "large"]
        assert [v["key"] for v in event.changes["values"]["after"]] == ["small", "medium"]

    def test_code_cannot_change(self, catalog_admin, size):
        with pytest.raises(ValidationError) as caught:
            attribute_update(actor=catalog_admin, attribute=size, code="dimension")
        assert caught.value.field == "code"
        attribute_update(actor=catalog_admin, attribute=size, code="size")  # same code: fine

    def test_datatype_change_needs_consistent_values(self, catalog_admin, size):
        with pytest.raises(ValidationError) as caught:
            attribute_update(actor=catalog_admin, attribute=size, datatype=D.STRING)
        assert caught.value.field == "values"
        assert size.values.count() == 2
        attribute_update(actor=catalog_admin, attribute=size, datatype=D.STRING, values=[])
        assert (size.datatype, size.values.count()) == (D.STRING, 0)
        with pytest.raises(ValidationError):
            attribute_update(actor=catalog_admin, attribute=size, values=SIZES)

    def test_no_change_no_event(self, catalog_admin, size):
        attribute_update(actor=catalog_admin, attribute=size, values=SIZES, description="Size")
        assert not events("service:serviceattribute:update")

    def test_deactivation_hides_it_from_the_definition(self, catalog_admin, service_type, size):
        from civitas.catalog.selectors import attributes_for

        attribute_update(actor=catalog_admin, attribute=size, is_active=False)
        assert list(attributes_for(service_type)) == []
        assert not ServiceType.objects.get(pk=service_type.pk).has_metadata

    def test_admin_of_another_department_refused(self, make_staff, other_department, size):
        with pytest.raises(PermissionDenied):
            attribute_update(actor=make_staff("department_admin", department=other_department), attribute=size)

    def test_error_after_values_changed_rolls_everything_back(self, catalog_admin, size, monkeypatch):
        def broken(**kwargs):
            raise RuntimeError("audit store unavailable")

        monkeypatch.setattr(services, "audit_record", broken)
        with pytest.raises(RuntimeError):
            attribute_update(actor=catalog_admin, attribute=size, values=[("tiny", "Tiny")], required=True)
        size.refresh_from_db()
        assert not size.required
        assert list(size.values.values_list("key", flat=True)) == ["small", "large"]
