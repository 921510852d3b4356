"""REST API v1: sensors operations."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["sensors"])
