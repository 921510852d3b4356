"""REST API v1: org operations."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["org"])
