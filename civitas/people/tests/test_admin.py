"""The Person admin: search by any written form of a contact, masked audit, access events, inlines."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civitas.audit.models import AuditEvent
from civitas.people.models import Consent, ContactPoint, Person
from civitas.people.services import CHANGED, consent_record
from civitas.people.tests.conftest import audit_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(email="root@city.example", password="correct horse battery")


@pytest.fixture
def admin_client_(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def ana(make_person, agent):
    person = make_person(given_name="Ana", family_name="Reyes", emails=["ana@home.example"], phones=["6176354500"])
    consent_record(actor=agent, person=person, purpose="sms_messages", given=True, method="web_form")
    return person


def change_url(person: Person) -> str:
    return reverse("admin:people_person_change", args=[person.pk])


def inline_data(person: Person, **overrides: str) -> dict[str, str]:
    points = list(person.contact_points.order_by("id"))
    data = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "preferred_language": person.preferred_language,
        "preferred_channel": person.preferred_channel,
        "contact_points-TOTAL_FORMS": str(len(points)),
        "contact_points-INITIAL_FORMS": str(len(points)),
        "contact_points-MIN_NUM_FORMS": "0",
        "contact_points-MAX_NUM_FORMS": "1000",
        "consents-TOTAL_FORMS": "0",
        "consents-INITIAL_FORMS": "0",
        "consents-MIN_NUM_FORMS": "0",
        "consents-MAX_NUM_FORMS": "1000",
    }
    for i, point in enumerate(points):
        data |= {
            f"contact_points-{i}-id": str(point.pk),
            f"contact_points-{i}-person": str(person.pk),
            f"contact_points-{i}-kind": point.kind,
            f"contact_points-{i}-value": point.value,
            f"contact_points-{i}-is_primary": "on" if point.is_primary else "",
        }
    return {key: value for key, value in (data | overrides).items() if value != ""}


@pytest.mark.parametrize("term", ["Reyes", "ana@HOME.example", "(617) 635-4500", "+16176354500"])
def test_changelist_search_finds_people_by_name_or_any_form_of_a_contact(admin_client_, ana, make_person, term):
    make_person(given_name="Eve", family_name="Other", emails=["eve@example.org"])
    response = admin_client_.get(reverse("admin:people_person_changelist"), {"q": term})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [ana]


def test_changelist_filters(admin_client_, ana):
    url = reverse("admin:people_person_changelist")
    for params in (
        {"preferred_language__exact": "en"},
        {"preferred_channel__exact": "email"},
        {"is_active__exact": "1"},
    ):
        response = admin_client_.get(url, params)
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [ana]


def test_opening_a_person_records_an_access_event(admin_client_, superuser, ana):
    response = admin_client_.get(change_url(ana))
    assert response.status_code == 200
    assert b"sms_messages" in response.content or b"Send me text messages" in response.content
    event = AuditEvent.objects.filter(action="admin:person:read").get()
    assert (event.person_id, event.actor_id, event.context["purpose"]) == (ana.pk, superuser.pk, "admin")


def test_saving_masks_names_in_the_audit_trail(admin_client_, ana):
    response = admin_client_.post(change_url(ana), inline_data(ana, family_name="Reyes-Ortiz", preferred_channel="sms"))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    ana.refresh_from_db()
    assert (ana.family_name, ana.preferred_channel) == ("Reyes-Ortiz", "sms")
    event = AuditEvent.objects.filter(action="admin:person:change").get()
    assert event.changes == {
        "family_name": {"before": CHANGED, "after": CHANGED},
        "preferred_channel": {"before": "email", "after": "sms"},
    }
    assert "Reyes" not in audit_text()


def test_an_inline_contact_point_is_normalised_and_audited_without_its_value(admin_client_, ana):
    n = ana.contact_points.count()
    data = inline_data(ana) | {
        "contact_points-TOTAL_FORMS": str(n + 1),
        f"contact_points-{n}-person": str(ana.pk),
        f"contact_points-{n}-kind": "phone",
        f"contact_points-{n}-value": "+44 20 7946 0958",
    }
    response = admin_client_.post(change_url(ana), data)
    assert response.status_code == 302
    assert ContactPoint.objects.filter(person=ana, kind="phone", value="+442079460958", is_primary=False).exists()
    event = AuditEvent.objects.filter(action="admin:contactpoint:create").get()
    assert event.person_id == ana.pk
    assert event.changes["value"] == {"before": None, "after": CHANGED}
    assert "7946" not in audit_text()


def test_inline_refuses_a_bad_number_and_someone_elses_email(admin_client_, ana, make_person):
    make_person(emails=["eve@example.org"])
    n = ana.contact_points.count()
    for kind, value in (("phone", "12345"), ("email", "EVE@example.org")):
        data = inline_data(ana) | {
            "contact_points-TOTAL_FORMS": str(n + 1),
            f"contact_points-{n}-person": str(ana.pk),
            f"contact_points-{n}-kind": kind,
            f"contact_points-{n}-value": value,
        }
        response = admin_client_.post(change_url(ana), data)
        assert response.status_code == 200  # the form again, with errors
        assert ana.contact_points.count() == n


def test_inline_can_swap_the_primary_in_one_save(admin_client_, agent, ana):
    from civitas.people.services import contact_point_add

    second = contact_point_add(actor=agent, person=ana, kind="email", value="ana@work.example")
    points = list(ana.contact_points.order_by("id"))
    data = inline_data(ana)
    for i, point in enumerate(points):
        if point.kind == "email":
            data.pop(f"contact_points-{i}-is_primary", None)
            if point.pk == second.pk:
                data[f"contact_points-{i}-is_primary"] = "on"
    response = admin_client_.post(change_url(ana), data)
    assert response.status_code == 302
    assert ana.contact_points.get(kind="email", is_primary=True).pk == second.pk


def test_two_primaries_of_one_kind_are_refused(admin_client_, agent, ana):
    from civitas.people.services import contact_point_add

    contact_point_add(actor=agent, person=ana, kind="email", value="ana@work.example")
    data = inline_data(ana)
    for i in range(ana.contact_points.count()):
        if data[f"contact_points-{i}-kind"] == "email":
            data[f"contact_points-{i}-is_primary"] = "on"
    response = admin_client_.post(change_url(ana), data)
    assert response.status_code == 200
    assert ana.contact_points.filter(kind="email", is_primary=True).count() == 1


def test_people_cannot_be_deleted_and_consent_cannot_be_edited_in_the_admin(admin_client_, ana):
    response = admin_client_.get(reverse("admin:people_person_delete", args=[ana.pk]))
    assert response.status_code == 403
    assert Consent.objects.filter(person=ana).count() == 1


def test_admin_add_creates_a_person_with_a_masked_audit_event(admin_client_):
    data = {
        "given_name": "Ana",
        "family_name": "Reyes",
        "preferred_language": "es",
        "preferred_channel": "email",
        "contact_points-TOTAL_FORMS": "1",
        "contact_points-INITIAL_FORMS": "0",
        "contact_points-0-kind": "email",
        "contact_points-0-value": " Ana@Home.Example ",
        "contact_points-0-is_primary": "on",
        "consents-TOTAL_FORMS": "0",
        "consents-INITIAL_FORMS": "0",
    }
    response = admin_client_.post(reverse("admin:people_person_add"), data)
    assert response.status_code == 302
    person = Person.objects.get()
    assert person.contact_points.get().value == "ana@home.example"
    event = AuditEvent.objects.filter(action="admin:person:create").get()
    assert event.changes["given_name"] == {"before": None, "after": CHANGED}
    assert "Ana" not in audit_text()
