"""REST API v1: cases operations."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["cases"])
