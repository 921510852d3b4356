"""The report flow: service page and form, review, submit, done; bad input, photos, duplicates, abuse."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from civitas.audit.models import AuditEvent
from civitas.cases.models import Attachment, Case, CaseFollower
from civitas.catalog.definitions import clear as clear_definitions
from civitas.catalog.models import AttributeDatatype, AttributeValue, ServiceAttribute, ServiceGroup, ServiceType
from civitas.core import geo
from civitas.people.models import ContactPoint, Person
from civitas.portal.forms import drafts

pytestmark = pytest.mark.django_db

INSIDE = ("42.3601", "-71.0589")


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path):
    from django.utils import translation

    translation.activate("en")  # catalogue names are written in the active language
    cache.clear()
    clear_definitions()
    geo.clear_cache()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.JURISDICTION_BOUNDARY_FILE = ""
    yield
    cache.clear()


@pytest.fixture
def service(department):
    group = ServiceGroup.objects.create(code="streets", name="Streets")
    service = ServiceType.objects.create(
        code="pothole", name="Pothole", description="A hole in the road.", group=group, department=department
    )
    ServiceAttribute.objects.create(
        service_type=service,
        code="size",
        datatype=AttributeDatatype.SINGLEVALUELIST,
        description="How big is it?",
        required=True,
        order=1,
    )
    size = service.attributes.get(code="size")
    AttributeValue.objects.create(attribute=size, key="small", name="Smaller than a plate", order=1)
    AttributeValue.objects.create(attribute=size, key="large", name="Larger than a plate", order=2)
    ServiceAttribute.objects.create(
        service_type=service,
        code="depth",
        datatype=AttributeDatatype.NUMBER,
        description="How deep (cm)?",
        datatype_description="A number of centimetres",
        order=2,
    )
    ServiceAttribute.objects.create(
        service_type=service,
        code="seen_at",
        datatype=AttributeDatatype.DATETIME,
        description="When did you see it?",
        order=3,
    )
    ServiceAttribute.objects.create(
        service_type=service,
        code="lane",
        datatype=AttributeDatatype.STRING,
        description="Which lane?",
        order=4,
    )
    ServiceAttribute.objects.create(
        service_type=service,
        code="details",
        datatype=AttributeDatatype.TEXT,
        description="Anything else?",
        order=5,
    )
    hazards = ServiceAttribute.objects.create(
        service_type=service,
        code="hazards",
        datatype=AttributeDatatype.MULTIVALUELIST,
        description="Is anything else wrong?",
        order=6,
    )
    AttributeValue.objects.create(attribute=hazards, key="water", name="Water in it", order=1)
    AttributeValue.objects.create(attribute=hazards, key="cones", name="Cones knocked over", order=2)
    ServiceAttribute.objects.create(
        service_type=service,
        code="note",
        datatype=AttributeDatatype.STRING,
        variable=False,
        description="We fix most potholes within a week.",
        order=7,
    )
    clear_definitions()
    return service


def form_url(code="pothole"):
    return reverse("portal:report", kwargs={"code": code})


def review_url(code="pothole"):
    return reverse("portal:report-review", kwargs={"code": code})


def good_data(**extra):
    data = {
        "attr__size": "large",
        "attr__depth": "12",
        "attr__seen_at": "2026-03-01T09:30",
        "attr__lane": "left",
        "attr__details": "Near the bus stop",
        "attr__hazards": ["water"],
        "description": "Deep pothole",
        "address": "1 City Hall Square",
        "lat": INSIDE[0],
        "long": INSIDE[1],
        "contact_choice": "contact",
        "given_name": "Ana",
        "family_name": "Reyes",
        "email": "Ana@Example.org",
        "phone": "",
        "preferred_channel": "email",
        "preferred_language": "es",
        "website": "",
    }
    data.update(extra)
    return data


def jpeg_with_gps(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (42.0, 21.0, 36.0), 3: "W", 4: (71.0, 3.0, 32.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(name: str, data: bytes, content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


# --- the service page -----------------------------------------------------------------------------


def test_service_page_shows_the_service_and_every_datatype(client, service):
    response = client.get(form_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Pothole" in html and "A hole in the road." in html and "Topic: Streets" in html
    assert "What happens next" in html
    assert 'type="radio" id="id_attr__size_0" name="attr__size" value="small"' in html
    assert 'name="attr__depth"' in html and 'inputmode="decimal"' in html
    assert 'type="datetime-local"' in html
    assert '<textarea class="usa-textarea" id="id_attr__details"' in html
    assert 'type="checkbox" id="id_attr__hazards_0"' in html
    assert "We fix most potholes within a week." in html  # information only: no input
    assert 'name="attr__note"' not in html
    assert "A number of centimetres" in html  # the hint
    assert 'enctype="multipart/form-data"' in html and 'name="csrfmiddlewaretoken"' in html
    assert 'name="website"' in html and 'tabindex="-1"' in html and 'aria-hidden="true"' in html


def test_unknown_or_inactive_service_is_404(client, service):
    assert client.get(form_url("nope")).status_code == 404
    service.is_active = False
    service.save()
    clear_definitions()
    assert client.get(form_url()).status_code == 404


# --- the whole flow -------------------------------------------------------------------------------


def test_report_review_submit_done(client, service):
    response = client.post(form_url(), good_data())
    assert response.status_code == 302 and response["Location"] == review_url()

    review = client.get(review_url())
    html = review.content.decode()
    assert review.status_code == 200
    assert "Check your answers" in html
    assert "Larger than a plate" in html and "Water in it" in html and "Deep pothole" in html
    assert "ana@example.org" in html
    assert f'href="{form_url()}#id_attr__size_0"' in html  # "Change" goes back to the field

    response = client.post(review_url(), {"website": ""})
    assert response.status_code == 302 and response["Location"] == reverse("portal:report-done")
    case = Case.objects.get()
    assert case.channel == "web"
    assert case.attributes == {
        "size": "large",
        "depth": 12,
        "seen_at": case.attributes["seen_at"],
        "lane": "left",
        "details": "Near the bus stop",
        "hazards": ["water"],
    }
    assert case.lat == pytest.approx(42.3601) and case.address == "1 City Hall Square"
    assert case.requester.preferred_language == "es"
    assert ContactPoint.objects.get(person=case.requester).value == "ana@example.org"
    assert AuditEvent.objects.filter(action="service:case:create").exists()

    done = client.get(reverse("portal:report-done"))
    html = done.content.decode()
    assert done.status_code == 200
    assert case.reference in html
    assert done["Cache-Control"] == "no-store"
    if _track_route_exists():
        assert case.tracking_token in html
    assert drafts.SESSION_KEY not in client.session


def _track_route_exists() -> bool:
    try:
        reverse("portal:track-case", kwargs={"token": "x"})
    except Exception:
        return False
    return True


def test_done_url_carries_no_token_or_id_and_needs_the_session(client, service):
    assert reverse("portal:report-done") == "/report/done/"
    response = client.get(reverse("portal:report-done"))
    assert response.status_code == 302


def test_anonymous_report_stores_no_contact(client, service):
    data = good_data(contact_choice="anonymous", given_name="Ana", email="ana@example.org")
    assert client.post(form_url(), data).status_code == 302
    assert "ana@example.org" not in json.dumps(client.session[drafts.SESSION_KEY])
    client.post(review_url(), {})
    case = Case.objects.get()
    assert case.requester is None
    assert not Person.objects.exists()


def test_address_alone_is_enough_without_javascript(client, service):
    data = good_data(lat="", long="", contact_choice="anonymous")
    assert client.post(form_url(), data).status_code == 302
    client.post(review_url(), {})
    case = Case.objects.get()
    assert case.lat is None and case.address == "1 City Hall Square"


def test_change_link_brings_back_every_value(client, service):
    client.post(form_url(), good_data())
    html = client.get(form_url()).content.decode()
    assert 'value="1 City Hall Square"' in html
    assert re.search(r'id="id_attr__size_1"[^>]*checked|value="large" checked', html)
    assert 'value="water" checked' in html
    assert "Deep pothole</textarea>" in html
    assert 'value="Ana@Example.org"' in html


def test_review_without_a_draft_goes_to_the_form(client, service):
    response = client.get(review_url())
    assert response.status_code == 302 and response["Location"] == form_url()


# --- bad input --------------------------------------------------------------------------------------


def test_bad_input_comes_back_with_every_value_and_errors_linked(client, service):
    data = good_data(attr__size="", attr__depth="deep", lat="", long="", address="", email="not-an-email")
    response = client.post(form_url(), data)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert 'href="#id_attr__size_0"' in html and "How big is it is required." in html
    assert 'href="#id_attr__depth"' in html and "must be a number" in html
    assert 'href="#id_address"' in html
    assert 'href="#id_email"' in html
    assert 'value="deep"' in html and 'value="not-an-email"' in html and "Deep pothole</textarea>" in html
    assert 'aria-invalid="true"' in html
    assert "<title>Error:" in html
    assert not Case.objects.exists()


def test_invalid_choice_and_datetime_are_named(client, service):
    html = client.post(form_url(), good_data(attr__size="huge", attr__seen_at="yesterday")).content.decode()
    assert 'href="#id_attr__size_0"' in html
    assert 'href="#id_attr__seen_at"' in html


def test_point_outside_the_boundary_is_refused_at_the_location(client, service, settings):
    settings.JURISDICTION_BOUNDARY_FILE = str(settings.BASE_DIR / "civitas/demo/boundary.geojson")
    geo.clear_cache()
    response = client.post(form_url(), good_data(lat="40.7128", long="-74.0060"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_lat"' in html and "outside the area we look after" in html
    assert 'value="40.7128"' in html
    assert client.post(form_url(), good_data()).status_code == 302  # Boston is inside


def test_half_a_point_or_nonsense_is_named(client, service):
    html = client.post(form_url(), good_data(long="")).content.decode()
    assert 'href="#id_long"' in html
    html = client.post(form_url(), good_data(lat="north")).content.decode()
    assert 'href="#id_lat"' in html and "must be numbers" in html
    html = client.post(form_url(), good_data(lat="123")).content.decode()
    assert "between -90 and 90" in html


def test_contact_needs_an_email_or_phone_and_a_matching_channel(client, service):
    html = client.post(form_url(), good_data(email="", phone="")).content.decode()
    assert "Give an email address or a phone number" in html
    html = client.post(form_url(), good_data(preferred_channel="sms", phone="")).content.decode()
    assert 'href="#id_phone"' in html
    html = client.post(form_url(), good_data(phone="12")).content.decode()
    assert "phone number with its area code" in html
    html = client.post(form_url(), good_data(contact_choice="")).content.decode()
    assert 'href="#id_contact_choice_0"' in html


# --- photos ------------------------------------------------------------------------------------------------


def test_photo_is_reencoded_without_gps_and_attached_privately(client, service):
    data = good_data()
    data["photos"] = [upload("IMG_0001.jpg", jpeg_with_gps())]
    assert client.post(form_url(), data).status_code == 302
    assert "IMG_0001.jpg" in client.get(review_url()).content.decode()
    client.post(review_url(), {})

    attachment = Attachment.objects.get()
    assert attachment.is_public is False and attachment.content_type == "image/jpeg"
    with attachment.file.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
        exif = stored.getexif()
    assert not exif or (0x8825 not in exif and 0x010F not in exif)
    assert "IMG_0001" not in attachment.file.name


def test_not_an_image_is_refused_and_values_kept(client, service):
    data = good_data(description="Keep me")
    data["photos"] = [upload("virus.jpg", b"MZ\x90\x00 this is not a picture" * 10)]
    response = client.post(form_url(), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_photos"' in html and "not a photo we can use" in html
    assert "Keep me</textarea>" in html


def test_photo_too_large_is_refused(client, service, settings):
    settings.PORTAL_PHOTO_MAX_BYTES = 2048
    data = good_data()
    big = Image.effect_noise((200, 200), 100).convert("RGB")
    out = io.BytesIO()
    big.save(out, format="PNG")
    data["photos"] = [upload("big.png", out.getvalue(), "image/png")]
    html = client.post(form_url(), data).content.decode()
    assert "too large" in html


def test_accepted_photo_stays_in_the_draft_when_another_field_is_wrong(client, service):
    data = good_data(attr__size="")
    data["photos"] = [upload("ok.jpg", jpeg_with_gps())]
    html = client.post(form_url(), data).content.decode()
    assert "Remove ok.jpg" in html
    # Fix the field without sending the photo again: it is still there and goes with the report.
    assert client.post(form_url(), good_data()).status_code == 302
    client.post(review_url(), {})
    assert Attachment.objects.count() == 1


def test_a_photo_can_be_removed_from_the_draft(client, service):
    data = good_data()
    data["photos"] = [upload("ok.jpg", jpeg_with_gps())]
    client.post(form_url(), data)
    client.post(form_url(), good_data(remove_photo="0"))
    client.post(review_url(), {})
    assert not Attachment.objects.exists()


def test_at_most_max_photos(client, service, settings):
    settings.PORTAL_MAX_PHOTOS = 1
    data = good_data()
    data["photos"] = [upload("a.jpg", jpeg_with_gps()), upload("b.jpg", jpeg_with_gps())]
    html = client.post(form_url(), data).content.decode()
    assert "b.jpg was not added" in html
    assert len(client.session[drafts.SESSION_KEY]["photos"]) == 1


def test_old_drafts_are_cleaned(client, service, settings):
    import os
    import time

    data = good_data()
    data["photos"] = [upload("a.jpg", jpeg_with_gps())]
    client.post(form_url(), data)
    path = settings.MEDIA_ROOT / client.session[drafts.SESSION_KEY]["photos"][0]["path"]
    old = time.time() - 2 * 86400
    os.utime(path, (old, old))
    assert drafts.drafts_clean() == 1
    assert not path.exists()


# --- duplicates and "me too" ----------------------------------------------------------------------


@pytest.fixture
def nearby_case(service):
    from civitas.cases.services import case_create

    return case_create(
        actor=None,
        service_type="pothole",
        channel="web",
        description="Secret words from a resident",
        lat=42.36012,
        long=-71.05895,
        address="City Hall Plaza",
        attributes={"size": "small"},
    )


def test_review_shows_possible_duplicates_without_personal_data(client, service, nearby_case):
    client.post(form_url(), good_data())
    html = client.get(review_url()).content.decode()
    assert "This may already be reported" in html
    assert nearby_case.reference in html and "City Hall Plaza" in html
    assert "Secret words" not in html
    assert nearby_case.tracking_token not in html


def test_duplicates_fragment(client, service, nearby_case):
    url = reverse("portal:report-duplicates", kwargs={"code": "pothole"})
    html = client.get(url, {"lat": INSIDE[0], "long": INSIDE[1]}).content.decode()
    assert nearby_case.reference in html and "Follow this instead" in html
    assert client.get(url, {"lat": "42.40", "long": "-71.0589"}).content.decode().strip() == ""
    assert client.get(url, {"lat": "x"}).status_code == 200


def test_follow_instead_adds_a_follower_and_never_shows_the_token(client, service, nearby_case):
    client.post(form_url(), good_data())
    response = client.post(
        reverse("portal:report-follow", kwargs={"code": "pothole"}),
        {"reference": nearby_case.reference, "use_my_details": "1"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "You are following this request" in html
    assert nearby_case.tracking_token not in html
    follower = CaseFollower.objects.get(case=nearby_case)
    assert ContactPoint.objects.get(person=follower.person).value == "ana@example.org"
    assert AuditEvent.objects.filter(action="service:case:follow").exists()
    assert AuditEvent.objects.filter(action="service:consent:record").exists()  # told about this case: consent
    assert Case.objects.count() == 1
    assert drafts.SESSION_KEY not in client.session


def test_follow_without_contact_explains_why(client, service, nearby_case):
    url = reverse("portal:report-follow", kwargs={"code": "pothole"})
    page = client.get(url, {"reference": nearby_case.reference})
    assert page.status_code == 200 and nearby_case.reference in page.content.decode()
    response = client.post(url, {"reference": nearby_case.reference, "email": "", "phone": ""})
    assert response.status_code == 400
    assert "we need an email address or a phone number" in response.content.decode()
    assert not CaseFollower.objects.exists()
    response = client.post(url, {"reference": nearby_case.reference, "phone": "617 635 4500"})
    assert response.status_code == 200 and CaseFollower.objects.count() == 1


def test_follow_of_a_private_or_unknown_case_is_404(client, service, nearby_case):
    url = reverse("portal:report-follow", kwargs={"code": "pothole"})
    assert client.get(url, {"reference": "SR-1999-000001"}).status_code == 404
    service.is_private = True
    service.save()
    clear_definitions()
    assert client.get(url, {"reference": nearby_case.reference}).status_code == 404


# --- abuse resistance --------------------------------------------------------------------------------


def test_honeypot_creates_nothing(client, service):
    response = client.post(form_url(), good_data(website="http://spam.example"))
    assert response.status_code == 400
    assert "We could not accept this form" in response.content.decode()
    assert drafts.SESSION_KEY not in client.session
    assert not Case.objects.exists()


def test_honeypot_on_the_review_step_creates_nothing(client, service):
    client.post(form_url(), good_data())
    response = client.post(review_url(), {"website": "x"})
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_rate_limit_per_ip_gives_a_plain_429_and_keeps_the_draft(client, service, settings):
    settings.PORTAL_REPORT_RATE_IP = "1/h"
    client.post(form_url(), good_data(contact_choice="anonymous"))
    client.post(review_url(), {})
    client.post(form_url(), good_data(contact_choice="anonymous", description="Second"))
    response = client.post(review_url(), {})
    assert response.status_code == 429
    assert "Please wait" in response.content.decode()
    assert Case.objects.count() == 1
    assert client.session[drafts.SESSION_KEY]["values"]["description"] == "Second"


def test_rate_limit_per_contact_uses_a_hash(client, service, settings):
    settings.PORTAL_REPORT_RATE_CONTACT = "1/h"
    client.post(form_url(), good_data())
    client.post(review_url(), {})
    other = client.__class__(REMOTE_ADDR="10.9.9.9")
    other.post(form_url(), good_data(email="ANA@example.org "))
    assert other.post(review_url(), {}).status_code == 429
    keys = " ".join(str(key) for key in cache._cache)  # LocMem in tests
    assert "ana@example.org" not in keys.lower()


def test_csrf_is_enforced(service):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(form_url(), good_data()).status_code == 403


def test_oversized_request_is_refused_before_reading(client, service, settings):
    settings.PORTAL_MAX_PHOTOS = 0
    settings.PORTAL_PHOTO_MAX_BYTES = 1024
    data = good_data(description="x" * 1000)
    data["photos"] = [upload("a.jpg", b"\xff" * (2 * 1024 * 1024))]
    response = client.post(form_url(), data)
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_signed_in_resident_with_consent_gets_the_form_prefilled(client, service):
    from civitas.people.models import ConsentMethod, ConsentPurpose
    from civitas.people.services import consent_record, person_find_or_create_by_contact
    from civitas.portal.views._base import RESIDENT_SESSION_KEY

    person, _ = person_find_or_create_by_contact(actor=None, email="ana@example.org", given_name="Ana")
    session = client.session
    session[RESIDENT_SESSION_KEY] = person.pk
    session.save()
    html = client.get(form_url()).content.decode()
    assert 'value="ana@example.org"' not in html  # no consent to keep details: nothing prefilled

    consent_record(
        actor=None, person=person, purpose=ConsentPurpose.STORE_DETAILS, given=True, method=ConsentMethod.WEB_FORM
    )
    html = client.get(form_url()).content.decode()
    assert 'value="ana@example.org"' in html and 'value="Ana"' in html
    assert 'value="contact" checked' in html
