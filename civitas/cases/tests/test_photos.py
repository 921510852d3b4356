"""Photos: checked by content, re-encoded without EXIF/GPS, scaled, bomb-safe, attached privately."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from civitas.cases.models import Attachment
from civitas.cases.services.photos import MAX_SOURCE_PIXELS, CleanPhoto, case_create_with_photos, photo_clean
from civitas.core.errors import ValidationError
from civitas.people.models import ContactPoint

GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112


def encoded(fmt: str = "JPEG", size=(40, 20), mode="RGB", exif: Image.Exif | None = None) -> bytes:
    image = Image.new(mode, size, (10, 120, 200) if mode == "RGB" else (10, 120, 200, 128))
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[MAKE] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (42.0, 21.0, 36.0), 3: "W", 4: (71.0, 3.0, 32.0)}
    if orientation:
        exif[ORIENTATION] = orientation
    return exif


def test_gps_and_other_exif_are_gone():
    source = encoded(exif=gps_exif())
    assert GPS_IFD in Image.open(io.BytesIO(source)).getexif()

    photo = photo_clean(source)

    result = Image.open(io.BytesIO(photo.data))
    assert photo.content_type == "image/jpeg" and result.format == "JPEG"
    exif = result.getexif()
    assert GPS_IFD not in exif and MAKE not in exif
    assert b"PhoneMaker" not in photo.data


def test_orientation_is_applied_before_the_exif_goes():
    photo = photo_clean(encoded(size=(40, 20), exif=gps_exif(orientation=6)))  # rotate 90°
    assert Image.open(io.BytesIO(photo.data)).size == (20, 40)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted(fmt):
    photo = photo_clean(encoded(fmt))
    assert photo.content_type == "image/jpeg"


def test_transparency_is_kept_as_png():
    photo = photo_clean(encoded("PNG", mode="RGBA"))
    assert photo.content_type == "image/png" and photo.extension == "png"


def test_scaled_to_the_pixel_limit(settings):
    settings.PORTAL_PHOTO_MAX_PIXELS = 100
    photo = photo_clean(encoded(size=(400, 200)))
    assert Image.open(io.BytesIO(photo.data)).size == (100, 50)


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 100,
        b"%PDF-1.4 not a picture",
        b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
        b"\xff\xd8\xff\xe0 truncated jpeg",
    ],
)
def test_not_a_photo_is_refused(data):
    with pytest.raises(ValidationError) as problem:
        photo_clean(data)
    assert problem.value.field == "photos"


def test_gif_by_content_is_refused_even_named_jpg():
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    with pytest.raises(ValidationError):
        photo_clean(out.getvalue())


def test_too_many_bytes(settings):
    settings.PORTAL_PHOTO_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as problem:
        photo_clean(b"\xff" * 2048)
    assert problem.value.code == "too_large"


def test_empty():
    with pytest.raises(ValidationError):
        photo_clean(b"")


def test_decompression_bomb_is_refused_before_decoding():
    # A PNG whose header claims far more pixels than allowed; the data is tiny.
    side = int(MAX_SOURCE_PIXELS**0.5) + 10
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG", optimize=True)
    with pytest.raises(ValidationError) as problem:
        photo_clean(out.getvalue())
    assert problem.value.code == "too_large"


@pytest.mark.django_db
def test_case_create_with_photos_attaches_privately_and_finds_the_requester(service_type, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = photo_clean(encoded(exif=gps_exif()))
    case = case_create_with_photos(
        actor=None,
        contact={"email": "ana@example.org", "given_name": "Ana", "preferred_language": "es"},
        photos=[photo],
        service_type=service_type.code,
        channel="web",
        attributes={"pole": "P-1"},
        address="1 Main St",
    )
    attachment = Attachment.objects.get(case=case)
    assert attachment.is_public is False
    assert case.requester.given_name == "Ana" and case.requester.preferred_language == "es"
    assert ContactPoint.objects.get(person=case.requester).value == "ana@example.org"


@pytest.mark.django_db
def test_all_or_nothing(service_type, settings, tmp_path):
    from civitas.cases.models import Case
    from civitas.people.models import Person

    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError):
        case_create_with_photos(
            actor=None,
            contact={"email": "ana@example.org"},
            photos=[CleanPhoto(data=b"x", content_type="image/jpeg", extension="jpg")],
            service_type=service_type.code,
            channel="web",
            attributes={},  # the pole number is required
        )
    assert not Case.objects.exists() and not Person.objects.exists()
