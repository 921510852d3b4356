"""Attachments: type checked by content, size limited, stored through Django storage, audited."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from civitas.audit.models import AuditEvent
from civitas.cases.models import Attachment
from civitas.cases.services import case_add_attachment
from civitas.cases.services.attachments import sniff_content_type
from civitas.core.errors import NotFound, ValidationError

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    )


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_png_is_stored_under_a_random_name(make_case, caseworker, media):
    case = make_case()
    upload = SimpleUploadedFile("../../etc/Ana Reyes photo.jpg", png_bytes(), content_type="image/jpeg")
    attachment = case_add_attachment(actor=caseworker, case=case, upload=upload, name=upload.name, public=True)
    assert attachment.content_type == "image/png"  # the content decides, not the name or the browser
    assert attachment.original_name == "Ana Reyes photo.jpg"
    assert "Ana" not in attachment.file.name and attachment.file.name.startswith("attachments/")
    assert (media / attachment.file.name).read_bytes() == png_bytes()
    assert len(attachment.sha256) == 64 and attachment.size == len(png_bytes())
    event = AuditEvent.objects.get(action="service:case:attach")
    assert "Ana" not in event.payload
    case.refresh_from_db()
    assert case.version == 2


def test_text_and_pdf_accepted():
    assert sniff_content_type(b"The lamp post is leaning.\n") == "text/plain"
    assert sniff_content_type(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n") == "application/pdf"


@pytest.mark.parametrize(
    "content",
    [
        b"<html><script>alert(1)</script></html>",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64,
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
        b"\x00\x01\x02\x03binary junk",
    ],
)
def test_disallowed_types_refused(make_case, caseworker, content):
    case = make_case()
    with pytest.raises(ValidationError) as exc:
        case_add_attachment(actor=caseworker, case=case, upload=io.BytesIO(content), name="photo.png")
    assert exc.value.field == "file" and exc.value.code == "bad_type"
    assert Attachment.objects.count() == 0


def test_size_limit_from_settings(make_case, caseworker, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    case = make_case()
    big = SimpleUploadedFile("big.png", png_bytes() + b"\x00" * 200, content_type="image/png")
    with pytest.raises(ValidationError, match="too large") as exc:
        case_add_attachment(actor=caseworker, case=case, upload=big, name="big.png")
    assert exc.value.field == "file"
    with pytest.raises(ValidationError, match="too large"):
        case_add_attachment(actor=caseworker, case=case, upload=io.BytesIO(b"a" * 101), name="note.txt")
    with pytest.raises(ValidationError, match="empty"):
        case_add_attachment(actor=caseworker, case=case, upload=b"", name="empty.txt")
    assert Attachment.objects.count() == 0
    case.refresh_from_db()
    assert case.version == 1


def test_other_department_cannot_attach(make_case, make_staff, other_department):
    case = make_case()
    with pytest.raises(NotFound):
        case_add_attachment(
            actor=make_staff("caseworker", other_department), case=case, upload=png_bytes(), name="x.png"
        )
