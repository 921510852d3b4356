"""REST API v1: audit operations."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["audit"])
