"""Application keys in the admin (issued through the service, secret shown once, revoke action), personal token
scope, and the sensor mapping/event admin pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from civitas.audit.models import AuditEvent
from civitas.catalog.models import ServiceAttribute, ServiceGroup, ServiceType
from civitas.core.errors import ValidationError
from civitas.integrations.keys import api_key_authenticate, api_key_issue, hash_secret, token_departments
from civitas.integrations.models import ApiKey, SensorMapping

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"cvt_[A-Za-z0-9_-]{43}")


@pytest.fixture
def department_admin(make_staff, department):
    return make_staff("department_admin", department, is_staff=True)


@pytest.fixture
def admin_client(client, department_admin):
    client.force_login(department_admin)
    return client


@pytest.fixture
def bin_type(department):
    group = ServiceGroup.objects.create(code="waste", name="Waste")
    return ServiceType.objects.create(
        code="bin-full", name="Overflowing litter bin", group=group, department=department
    )


def add_key(client, **data):
    owner = data.pop("owner")
    values = {"name": "Bin sensors", "owner": owner.pk, "can_write": "on", "rate_limit_per_minute": "120"}
    values.update(data)
    return client.post(reverse("admin:integrations_apikey_add"), values, follow=True)


# --- personal token scope (service) ----------------------------------------------------------------


def test_personal_tokens_may_be_limited_only_to_my_departments(make_staff, department, other_department):
    caseworker = make_staff("caseworker", department)
    assert token_departments(actor=caseworker) == [department]
    with pytest.raises(ValidationError) as raised:
        api_key_issue(actor=caseworker, kind="personal", name="x", department_ids=[other_department.pk])
    assert raised.value.field == "departments"
    issued = api_key_issue(actor=caseworker, kind="personal", name="x", department_ids=[department.pk])
    assert list(issued.key.departments.all()) == [department]


def test_an_organisation_wide_role_may_pick_any_active_department(make_staff, department, other_department):
    agent = make_staff("agent")
    other_department.is_active = False
    other_department.save()
    assert token_departments(actor=agent) == [department]


# --- application keys in the admin -------------------------------------------------------------------


def test_adding_a_key_issues_it_and_shows_the_secret_once(admin_client, department_admin, department):
    response = add_key(admin_client, owner=department_admin, departments=[department.pk])
    assert response.status_code == 200
    shown = [str(m) for m in get_messages(response.wsgi_request)] + [response.content.decode()]
    secret = next(match.group(0) for text in shown for match in [SECRET.search(text)] if match)
    key = ApiKey.objects.get()
    assert (key.kind, key.owner, key.can_write, key.rate_limit_per_minute) == (
        "application",
        department_admin,
        True,
        120,
    )
    assert list(key.departments.all()) == [department]
    assert key.key_hash == hash_secret(secret) and api_key_authenticate(secret) == key
    assert AuditEvent.objects.filter(action="service:api_key:issue", object_id=str(key.pk)).count() == 1
    change = admin_client.get(reverse("admin:integrations_apikey_change", args=[key.pk])).content.decode()
    assert secret not in change and key.key_hash not in change and f"{key.prefix}…" in change


def test_the_list_shows_application_keys_without_their_hash(admin_client, department_admin):
    app = api_key_issue(actor=department_admin, kind="application", name="App one").key
    personal = api_key_issue(actor=department_admin, kind="personal", name="My own token").key
    page = admin_client.get(reverse("admin:integrations_apikey_changelist")).content.decode()
    assert "App one" in page and f"{app.prefix}…" in page and "My own token" not in page
    assert app.key_hash not in page and personal.key_hash not in page


def test_an_expiry_in_the_past_is_refused(admin_client, department_admin):
    response = add_key(admin_client, owner=department_admin, expires_at_0="2001-01-01", expires_at_1="10:00:00")
    assert "The expiry must be in the future." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_departments_offered_are_those_i_manage(admin_client, department_admin, other_department):
    response = add_key(admin_client, owner=department_admin, departments=[other_department.pk])
    assert "Select a valid choice" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_the_revoke_action_revokes_through_the_service(admin_client, department_admin):
    issued = api_key_issue(actor=department_admin, kind="application", name="App")
    response = admin_client.post(
        reverse("admin:integrations_apikey_changelist"),
        {"action": "revoke", "_selected_action": [issued.key.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert ApiKey.objects.get().revoked_at is not None
    assert api_key_authenticate(issued.secret) is None
    assert AuditEvent.objects.filter(action="service:api_key:revoke", object_id=str(issued.key.pk)).exists()


@pytest.mark.parametrize("role", ["caseworker", "supervisor", "auditor"])
def test_only_integration_managers_reach_the_key_admin(client, make_staff, department, role):
    client.force_login(make_staff(role, department, is_staff=True))
    assert client.get(reverse("admin:integrations_apikey_changelist")).status_code == 403
    assert client.get(reverse("admin:integrations_apikey_add")).status_code == 403


# --- sensor mappings and events ----------------------------------------------------------------------


def test_a_mapping_is_added_in_the_admin_and_audited(admin_client, bin_type):
    response = admin_client.post(
        reverse("admin:integrations_sensormapping_add"),
        {"condition": "bin_full", "service_type": bin_type.pk, "priority": "high", "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    mapping = SensorMapping.objects.get()
    assert (mapping.service_type, mapping.priority) == (bin_type, "high")
    assert AuditEvent.objects.filter(action="admin:sensormapping:create", object_id=str(mapping.pk)).exists()


def test_a_service_type_with_required_questions_cannot_be_mapped(admin_client, bin_type):
    ServiceAttribute.objects.create(service_type=bin_type, code="bin", datatype="string", required=True)
    response = admin_client.post(
        reverse("admin:integrations_sensormapping_add"),
        {"condition": "bin_full", "service_type": bin_type.pk, "priority": "", "is_active": "on"},
    )
    assert "cannot answer" in response.content.decode()
    assert not SensorMapping.objects.exists()


def test_mappings_and_events_are_scoped_to_my_departments(admin_client, bin_type, other_department):
    group = ServiceGroup.objects.create(code="parks", name="Parks")
    parks_type = ServiceType.objects.create(code="park", name="Park bin", group=group, department=other_department)
    SensorMapping.objects.create(condition="bin_full", service_type=bin_type)
    SensorMapping.objects.create(condition="park_bin_full", service_type=parks_type)
    page = admin_client.get(reverse("admin:integrations_sensormapping_changelist")).content.decode()
    assert "bin_full" in page and "park_bin_full" not in page
    assert admin_client.get(reverse("admin:integrations_sensorevent_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:integrations_sensorevent_add")).status_code == 403
