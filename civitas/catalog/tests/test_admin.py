"""The catalogue admin: pages load, saves (inline rows included) are audited, access follows the permission map."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from civitas.audit.models import AuditEvent
from civitas.catalog.models import AttributeDatatype as D
from civitas.catalog.models import AttributeValue, ServiceAttribute, ServiceGroup, ServiceType


def management(prefix: str, total: int, initial: int = 0) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def service_type_form(group: ServiceGroup, department: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "code": "sidewalk",
        "name_en": "Broken sidewalk",
        "name_es": "Acera rota",
        "description_en": "",
        "description_es": "",
        "keywords_en": "pavement, trip hazard",
        "keywords_es": "",
        "group": str(group.pk),
        "order": "0",
        "kind": "realtime",
        "is_active": "on",
        "department": str(department.pk),
        "default_team": "",
        "default_priority": "normal",
        "response_target_hours": "",
        "resolution_target_hours": "",
        "duplicate_radius_m": "50",
        **management("attributes", 0),
    }
    data.update(overrides)
    return data


def inline_attribute(index: int, code: str, datatype: str) -> dict[str, Any]:
    prefix = f"attributes-{index}"
    return {
        f"{prefix}-code": code,
        f"{prefix}-datatype": datatype,
        f"{prefix}-order": str(index),
        f"{prefix}-variable": "on",
        f"{prefix}-is_active": "on",
        f"{prefix}-description_en": "Where exactly?",
        f"{prefix}-description_es": "",
        f"{prefix}-datatype_description_en": "",
        f"{prefix}-datatype_description_es": "",
    }


@pytest.fixture
def staff_client(client, make_staff):
    """staff_client(role, department) → a logged-in client for an admin-site user with that role."""

    def login(role: str, department: Any = None):
        client.force_login(make_staff(role, department=department, is_staff=True))
        return client

    return login


@pytest.mark.django_db
class TestPagesLoad:
    @pytest.mark.parametrize(
        ("model", "query"),
        [
            ("servicegroup", "?q=stre&is_active__exact=1"),
            ("servicetype", "?q=hole&kind__exact=realtime&is_private__exact=0"),
            ("servicetype", "?department__id__exact=1&group__id__exact=1&is_active__exact=1"),
            ("serviceattribute", "?q=size&datatype__exact=singlevaluelist"),
        ],
    )
    def test_changelists_search_and_filters(self, admin_client, service_type, make_attribute, model, query):
        make_attribute(service_type, "size", D.SINGLEVALUELIST, values=[("s", "Small")])
        response = admin_client.get(reverse(f"admin:catalog_{model}_changelist") + query)
        assert response.status_code == 200

    def test_search_finds_by_keyword(self, admin_client, service_type):
        response = admin_client.get(reverse("admin:catalog_servicetype_changelist") + "?q=road+damage")
        assert list(response.context["cl"].queryset) == [service_type]

    @pytest.mark.parametrize("model", ["servicegroup", "servicetype", "serviceattribute"])
    def test_add_pages(self, admin_client, model):
        assert admin_client.get(reverse(f"admin:catalog_{model}_add")).status_code == 200

    def test_change_pages(self, admin_client, service_type, make_attribute):
        attribute = make_attribute(service_type, "size", D.SINGLEVALUELIST, values=[("s", "Small")])
        for url in (
            reverse("admin:catalog_servicetype_change", args=[service_type.pk]),
            reverse("admin:catalog_serviceattribute_change", args=[attribute.pk]),
            reverse("admin:catalog_servicegroup_change", args=[service_type.group_id]),
        ):
            assert admin_client.get(url).status_code == 200


@pytest.mark.django_db
class TestSaves:
    def test_add_service_type_with_an_attribute_is_audited(self, admin_client, group, department):
        data = service_type_form(group, department, **management("attributes", 1))
        data.update(inline_attribute(0, "where", D.STRING))
        response = admin_client.post(reverse("admin:catalog_servicetype_add"), data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        st = ServiceType.objects.get(code="sidewalk")
        assert (st.name_en, st.name_es) == ("Broken sidewalk", "Acera rota")
        assert list(st.attributes.values_list("code", flat=True)) == ["where"]
        create = AuditEvent.objects.get(action="admin:servicetype:create")
        assert create.object_id == str(st.pk)
        assert create.changes["code"] == {"before": None, "after": "sidewalk"}
        inline = AuditEvent.objects.get(action="admin:serviceattribute:create")
        assert inline.changes["code"]["after"] == "where"

    def test_list_attributes_are_not_added_inline(self, admin_client, group, department):
        data = service_type_form(group, department, **management("attributes", 1))
        data.update(inline_attribute(0, "size", D.SINGLEVALUELIST))
        response = admin_client.post(reverse("admin:catalog_servicetype_add"), data)
        assert response.status_code == 200
        (inline,) = response.context["inline_admin_formsets"]
        assert "from the service attribute page" in inline.formset.errors[0]["datatype"][0]
        assert not ServiceType.objects.exists()

    def test_default_team_checked(self, admin_client, group, department, other_department):
        from civitas.accounts.models import Team

        team = Team.objects.create(department=other_department, code="crew", name="Crew")
        data = service_type_form(group, department, default_team=str(team.pk))
        response = admin_client.post(reverse("admin:catalog_servicetype_add"), data)
        assert response.status_code == 200
        assert "default_team" in response.context["adminform"].form.errors

    def test_values_inline_must_suit_the_datatype(self, admin_client, service_type, make_attribute):
        attribute = make_attribute(service_type, "size", D.SINGLEVALUELIST, "Size", values=[("s", "Small")])
        url = reverse("admin:catalog_serviceattribute_change", args=[attribute.pk])
        value = attribute.values.get()
        data = {
            "datatype": D.SINGLEVALUELIST,
            "variable": "on",
            "is_active": "on",
            "order": "1",
            "description_en": "Size",
            "description_es": "Tamaño",
            "datatype_description_en": "",
            "datatype_description_es": "",
            **management("values", 2, initial=1),
            "values-0-id": str(value.pk),
            "values-0-attribute": str(attribute.pk),
            "values-0-key": "s",
            "values-0-name_en": "Small",
            "values-0-name_es": "Pequeño",
            "values-0-order": "0",
            "values-0-DELETE": "on",
            "values-1-attribute": str(attribute.pk),
            "values-1-key": "",
            "values-1-name_en": "",
            "values-1-name_es": "",
            "values-1-order": "0",
        }
        response = admin_client.post(url, data)
        assert response.status_code == 200  # deleting the only value of a list is refused
        (inline,) = response.context["inline_admin_formsets"]
        assert "needs at least one value" in inline.formset.non_form_errors()[0]
        assert AttributeValue.objects.filter(pk=value.pk).exists()

        data.pop("values-0-DELETE")
        data.update({"values-1-key": "l", "values-1-name_en": "Large", "values-1-order": "1"})
        response = admin_client.post(url, data)
        assert response.status_code == 302
        assert list(attribute.values.values_list("key", "name_es")) == [("s", "Pequeño"), ("l", None)]
        assert AuditEvent.objects.filter(action="admin:serviceattribute:change").exists()
        assert AuditEvent.objects.get(action="admin:attributevalue:create").changes["key"]["after"] == "l"
        assert AuditEvent.objects.get(action="admin:attributevalue:change").changes["name_es"] == {
            "before": None,
            "after": "Pequeño",
        }


@pytest.mark.django_db
class TestAccess:
    def test_department_admin_sees_and_edits_only_own_department(
        self, staff_client, department, other_department, make_service_type
    ):
        own = make_service_type("pothole")
        foreign = make_service_type("tree", department=other_department)
        client = staff_client("department_admin", department)
        response = client.get(reverse("admin:catalog_servicetype_changelist"))
        assert list(response.context["cl"].queryset) == [own]
        assert client.get(reverse("admin:catalog_servicetype_change", args=[own.pk])).status_code == 200
        response = client.get(reverse("admin:catalog_servicetype_change", args=[foreign.pk]))
        assert response.status_code == 302  # "does not exist": hidden like any other object
        form = client.get(reverse("admin:catalog_servicetype_add")).context["adminform"].form
        assert list(form.fields["department"].queryset) == [department]

    def test_department_admin_may_not_change_shared_groups(self, staff_client, department, group):
        client = staff_client("department_admin", department)
        assert client.get(reverse("admin:catalog_servicegroup_add")).status_code == 403
        url = reverse("admin:catalog_servicegroup_change", args=[group.pk])
        assert client.post(url, {"code": "x", "name_en": "X", "order": "0"}).status_code == 403
        assert client.get(url).status_code == 200  # viewing is fine

    def test_caseworker_may_view_but_not_change(self, staff_client, department, service_type):
        client = staff_client("caseworker", department)
        url = reverse("admin:catalog_servicetype_change", args=[service_type.pk])
        assert client.get(url).status_code == 200
        assert client.post(url, {}).status_code == 403
        assert client.get(reverse("admin:catalog_servicetype_add")).status_code == 403

    def test_without_a_catalogue_role_the_module_is_hidden(self, staff_client, service_type):
        client = staff_client("privacy_officer")
        assert client.get(reverse("admin:catalog_servicetype_changelist")).status_code == 403
        assert ServiceAttribute.objects.count() == 0
