"""REST API v1: people operations."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["people"])
