"""Attachments: type checked by content (not by name), size limited, stored through Django storage."""

from __future__ import annotations

import hashlib
from typing import IO, Any

import puremagic
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from civitas.audit.services import audit_record
from civitas.cases.models import Attachment, Case, EntryKind, TimelineEntry
from civitas.cases.services._common import add_entry, lock_case, require_case, save_case
from civitas.core import events
from civitas.core.errors import ValidationError

MAX_NAME = 200


def sniff_content_type(data: bytes) -> str | None:
    """The MIME type the bytes really are, or None when unknown."""
    if not data:
        return None
    try:
        guess = puremagic.from_string(data, mime=True)
    except (puremagic.PureError, ValueError):
        guess = ""
    if guess:
        return "image/jpeg" if guess == "image/pjpeg" else guess
    return "text/plain" if _looks_like_text(data) else None


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return False
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError:
        return False
    head = data[:512].lstrip().lower()
    return not head.startswith((b"<", b"%pdf", b"{\\rtf"))


def read_limited(upload: IO[bytes] | bytes, limit: int) -> bytes:
    if isinstance(upload, bytes):
        data = upload
    else:
        size = getattr(upload, "size", None)
        if size is not None and size > limit:
            raise _too_big(size, limit)
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise _too_big(len(data), limit)
    return data


def _too_big(size: int, limit: int) -> ValidationError:
    return ValidationError(
        f"The file is too large ({size:,} bytes); the limit is {limit:,} bytes.", field="file", code="too_large"
    )


def clean_upload(upload: IO[bytes] | bytes, name: str) -> tuple[bytes, str, str]:
    """Return (bytes, content type, safe name) or raise ValidationError(field="file")."""
    data = read_limited(upload, settings.ATTACHMENT_MAX_BYTES)
    if not data:
        raise ValidationError("The file is empty.", field="file")
    content_type = sniff_content_type(data)
    allowed = settings.ATTACHMENT_ALLOWED_TYPES
    if content_type not in allowed:
        shown = content_type or "an unknown type"
        raise ValidationError(
            f"This file is {shown}; allowed types are: {', '.join(allowed)}.", field="file", code="bad_type"
        )
    safe_name = (name or "attachment").replace("\\", "/").rsplit("/", 1)[-1].strip()[:MAX_NAME] or "attachment"
    return data, content_type, safe_name


def case_add_attachment(
    *,
    actor: Any,
    case: Case,
    upload: IO[bytes] | bytes,
    name: str,
    public: bool = False,
    entry: TimelineEntry | None = None,
) -> Attachment:
    if getattr(actor, "is_authenticated", False):
        require_case(actor, "case.attach", case)
    data, content_type, safe_name = clean_upload(upload, name)
    with transaction.atomic():
        case = lock_case(case, version=None)
        if entry is None:
            entry = add_entry(case, kind=EntryKind.SYSTEM, actor=actor, public=public, data={"event": "attachment"})
        attachment = Attachment(
            case=case,
            entry=entry,
            original_name=safe_name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            is_public=public,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        attachment.file.save(safe_name, ContentFile(data), save=False)
        attachment.save()
        save_case(case, [])
        audit_record(
            actor=actor,
            action="service:case:attach",
            obj=case,
            context={"attachment_id": attachment.pk, "content_type": content_type, "size": len(data)},
        )
        events.publish("case.attachment_added", case_id=case.pk, attachment_id=attachment.pk)
    return attachment
