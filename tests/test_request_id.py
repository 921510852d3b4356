"""Each request gets an id that reaches the log lines and the audit rows it causes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civitas.accounts.models import Department
from civitas.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_admin_change_is_audited_with_the_request_id(client, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_department_add"),
        {
            "code": "water",
            "name": "Water",
            "email": "",
            "is_active": "on",
            "teams-TOTAL_FORMS": "0",
            "teams-INITIAL_FORMS": "0",
            "teams-MIN_NUM_FORMS": "0",
            "teams-MAX_NUM_FORMS": "1000",
        },
        HTTP_X_REQUEST_ID="req-1234abcd",
    )
    assert response.status_code == 302, response.content[:500]
    assert response["X-Request-ID"] == "req-1234abcd"
    department = Department.objects.get(code="water")
    event = AuditEvent.objects.get(action="admin:department:create")
    assert event.object_id == str(department.pk)
    assert event.request_id == "req-1234abcd"
    assert event.changes["name"] == {"before": None, "after": "Water"}


def test_malformed_incoming_id_is_replaced(client):
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32
