"""Photos residents send with a report: checked by content, re-encoded, attached privately.

`photo_clean` opens the bytes with Pillow (the file's name, extension and declared type are not
trusted), accepts only JPEG, PNG and WebP, refuses anything larger than PORTAL_PHOTO_MAX_BYTES or
with more pixels than a photo can sensibly have (a decompression bomb), applies the EXIF
orientation, scales the picture to at most PORTAL_PHOTO_MAX_PIXELS on its long side and encodes
it afresh — so EXIF, GPS position, comments and any bytes hidden after the image are gone.

`case_create_with_photos` is the portal's submission: the requester (found or created from the
contact details they gave), the case and its photos in one transaction.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from civitas.cases.models import Attachment, Case, EntryKind
from civitas.cases.services._common import add_entry
from civitas.cases.services.attachments import case_add_attachment
from civitas.cases.services.create import case_create
from civitas.core.errors import ValidationError
from civitas.people.models import Person
from civitas.people.services import person_find_or_create_by_contact

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Pixels a source image may have before it is even decoded: far beyond any phone camera
# (200 MP), far below what would exhaust memory. Pillow's own bomb check is a second line.
MAX_SOURCE_PIXELS = 120_000_000
JPEG_QUALITY = 85
FIELD = "photos"


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo: bytes with no metadata, their type and a file extension."""

    data: bytes
    content_type: str
    extension: str

    @property
    def name(self) -> str:
        return f"photo.{self.extension}"


def photo_clean(upload: IO[bytes] | bytes) -> CleanPhoto:
    """Check one uploaded photo and return it re-encoded; raise ValidationError(field="photos")."""
    data = _read(upload)
    image = _open_checked(data)
    try:
        image = ImageOps.exif_transpose(image) or image
        limit = settings.PORTAL_PHOTO_MAX_PIXELS
        image.thumbnail((limit, limit), Image.Resampling.LANCZOS)
        return _encode(image)
    except (OSError, ValueError, Image.DecompressionBombError):
        raise _not_an_image() from None
    finally:
        image.close()


def _read(upload: IO[bytes] | bytes) -> bytes:
    limit = settings.PORTAL_PHOTO_MAX_BYTES
    if isinstance(upload, bytes):
        data = upload
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > limit:
            raise _too_large(limit)
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    if not data:
        raise ValidationError(_("The photo file is empty."), field=FIELD, code="empty")
    return data


def _open_checked(data: bytes) -> Image.Image:
    """Open and verify the image without decoding a bomb; returns a fresh (unverified) handle."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            _check_header(probe)
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise _not_an_image() from None
    return image


def _check_header(image: Image.Image) -> None:
    if image.format not in ALLOWED_FORMATS:
        raise _not_an_image()
    width, height = image.size
    if width < 1 or height < 1:
        raise _not_an_image()
    if width * height > MAX_SOURCE_PIXELS:
        raise _too_many_pixels()


def _encode(image: Image.Image) -> CleanPhoto:
    out = io.BytesIO()
    if _has_transparency(image):
        image.convert("RGBA").save(out, format="PNG", optimize=True)
        return CleanPhoto(data=out.getvalue(), content_type="image/png", extension="png")
    image.convert("RGB").save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return CleanPhoto(data=out.getvalue(), content_type="image/jpeg", extension="jpg")


def _has_transparency(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA"):
        low = image.getchannel("A").getextrema()[0]  # one band: (min, max) of ints
        return isinstance(low, int | float) and low < 255
    return image.mode == "P" and "transparency" in image.info


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("The file is not a photo we can use. Choose a JPEG, PNG or WebP picture."), field=FIELD, code="bad_type"
    )


def _too_large(limit: int) -> ValidationError:
    megabytes = max(1, limit // (1024 * 1024))
    return ValidationError(
        _("The photo is too large. Each photo must be %(size)d MB or smaller.") % {"size": megabytes},
        field=FIELD,
        code="too_large",
    )


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The picture is too big (too many pixels). Choose a smaller picture."), field=FIELD, code="too_large"
    )


# --- attaching -----------------------------------------------------------------------------------


def case_add_photos(*, actor: Any, case: Case, photos: Sequence[CleanPhoto]) -> list[Attachment]:
    """Attach re-encoded photos to `case`, private (staff only), under one timeline entry."""
    if not photos:
        return []
    with transaction.atomic():
        entry = add_entry(case, kind=EntryKind.SYSTEM, actor=actor, public=False, data={"event": "photos"})
        return [
            case_add_attachment(
                actor=actor, case=case, upload=photo.data, name=f"photo-{number}.{photo.extension}", entry=entry
            )
            for number, photo in enumerate(photos, start=1)
        ]


def case_create_with_photos(
    *,
    actor: Any,
    contact: Mapping[str, str] | None = None,
    photos: Sequence[CleanPhoto] = (),
    **case_fields: Any,
) -> Case:
    """The portal's report: requester from `contact` (None: anonymous), the case, its photos — all or nothing.

    `contact` holds email and/or phone (at least one), and optionally given_name, family_name,
    preferred_channel, preferred_language. The names and preferences apply only when the person is new.
    """
    if len(photos) > settings.PORTAL_MAX_PHOTOS:
        raise ValidationError(_("Send at most %(count)d photos.") % {"count": settings.PORTAL_MAX_PHOTOS}, field=FIELD)
    with transaction.atomic():
        requester = _requester(actor, contact) if contact else None
        case = case_create(actor=actor, requester=requester, **case_fields)
        case_add_photos(actor=actor, case=case, photos=photos)
    return case


def _requester(actor: Any, contact: Mapping[str, str]) -> Person:
    extra = {
        name: value
        for name in ("given_name", "family_name", "preferred_channel", "preferred_language")
        if (value := (contact.get(name) or "").strip())
    }
    person, _created = person_find_or_create_by_contact(
        actor=actor, email=contact.get("email") or None, phone=contact.get("phone") or None, **extra
    )
    return person
