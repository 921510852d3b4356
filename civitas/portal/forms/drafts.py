"""A report in progress (the "draft"), kept between the form and the review step without JavaScript.

The typed values live in the session (one draft per browser session: starting another service
replaces it). Photos, already checked and re-encoded (`photo_clean`: no EXIF, no GPS), are kept
through Django's storage under `drafts/<random>/` so the review step does not ask for them again;
the session holds only their storage names. Drafts older than a day are removed whenever a new
photo is kept (`drafts_clean`), so abandoned drafts never pile up, without a scheduler job.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from civitas.cases.services.photos import CleanPhoto

logger = logging.getLogger(__name__)

SESSION_KEY = "portal_report_draft"
DONE_SESSION_KEY = "portal_report_done"
ROOT = "drafts"
MAX_AGE = timedelta(days=1)
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


def draft_get(session: SessionBase, code: str) -> dict[str, Any] | None:
    draft = session.get(SESSION_KEY)
    if isinstance(draft, dict) and draft.get("code") == code:
        return draft
    return None


def draft_start(session: SessionBase, code: str) -> dict[str, Any]:
    """This service's draft, or a new empty one (discarding a draft for another service)."""
    draft = draft_get(session, code)
    if draft is None:
        draft_discard(session)
        draft = {"code": code, "values": {}, "dir": secrets.token_hex(16), "photos": []}
        session[SESSION_KEY] = draft
    return draft


def draft_save_values(session: SessionBase, draft: dict[str, Any], values: dict[str, Any]) -> None:
    draft["values"] = values
    session[SESSION_KEY] = draft
    session.modified = True


def draft_add_photo(session: SessionBase, draft: dict[str, Any], photo: CleanPhoto, original_name: str) -> None:
    drafts_clean()
    path = f"{ROOT}/{draft['dir']}/{secrets.token_hex(8)}.{photo.extension}"
    stored = default_storage.save(path, ContentFile(photo.data))
    shown = (original_name or "").replace("\\", "/").rsplit("/", 1)[-1][:80] or f"photo.{photo.extension}"
    draft["photos"].append({"path": stored, "name": shown, "size": len(photo.data)})
    session[SESSION_KEY] = draft
    session.modified = True


def draft_remove_photos(session: SessionBase, draft: dict[str, Any], indexes: set[int]) -> None:
    kept = []
    for index, photo in enumerate(draft["photos"]):
        if index in indexes:
            _delete(photo["path"])
        else:
            kept.append(photo)
    draft["photos"] = kept
    session[SESSION_KEY] = draft
    session.modified = True


def draft_photos(draft: dict[str, Any]) -> list[CleanPhoto]:
    """The draft's photos read back (a file removed meanwhile is skipped)."""
    photos = []
    for photo in draft.get("photos", []):
        path = str(photo.get("path", ""))
        if not path.startswith(f"{ROOT}/{draft['dir']}/"):
            continue  # never read outside this draft's folder
        extension = path.rsplit(".", 1)[-1]
        try:
            with default_storage.open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        photos.append(
            CleanPhoto(data=data, content_type=CONTENT_TYPES.get(extension, "image/jpeg"), extension=extension)
        )
    return photos


def draft_discard(session: SessionBase) -> None:
    draft = session.pop(SESSION_KEY, None)
    if isinstance(draft, dict):
        for photo in draft.get("photos", []):
            _delete(str(photo.get("path", "")))


def drafts_clean(*, older_than: timedelta = MAX_AGE) -> int:
    """Remove draft photos older than `older_than`; returns how many files went."""
    cutoff = timezone.now() - older_than
    removed = 0
    try:
        folders, _files = default_storage.listdir(ROOT)
    except (FileNotFoundError, NotImplementedError, OSError):
        return 0
    for folder in folders:
        try:
            _dirs, files = default_storage.listdir(f"{ROOT}/{folder}")
        except OSError:
            continue
        for name in files:
            path = f"{ROOT}/{folder}/{name}"
            try:
                if default_storage.get_modified_time(path) < cutoff:
                    default_storage.delete(path)
                    removed += 1
            except (OSError, NotImplementedError):
                continue
    return removed


def _delete(path: str) -> None:
    if not path.startswith(f"{ROOT}/"):
        return
    try:
        default_storage.delete(path)
    except OSError:
        logger.warning("a draft photo could not be removed")
