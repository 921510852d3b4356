"""Case services: every write to a case goes through one of these (web, API, tasks, commands)."""

from civitas.cases.services.attachments import case_add_attachment
from civitas.cases.services.bulk import BulkResult, case_bulk_assign, case_bulk_tag, case_bulk_transition
from civitas.cases.services.create import case_create
from civitas.cases.services.external import case_add_external_update, case_add_media_link
from civitas.cases.services.intake import case_create_with_caller
from civitas.cases.services.lifecycle import (
    case_add_note,
    case_assign,
    case_follow,
    case_reopen,
    case_set_requester,
    case_transition,
    case_unfollow,
    case_update,
)
from civitas.cases.services.links import case_link, case_merge
from civitas.cases.services.saved_views import saved_view_delete, saved_view_rename, saved_view_save
from civitas.cases.services.tags import case_tag

__all__ = [
    "BulkResult",
    "case_add_attachment",
    "case_add_external_update",
    "case_add_media_link",
    "case_add_note",
    "case_assign",
    "case_bulk_assign",
    "case_bulk_tag",
    "case_bulk_transition",
    "case_create",
    "case_create_with_caller",
    "case_follow",
    "case_link",
    "case_merge",
    "case_reopen",
    "case_set_requester",
    "case_tag",
    "case_transition",
    "case_unfollow",
    "case_update",
    "saved_view_delete",
    "saved_view_rename",
    "saved_view_save",
]
