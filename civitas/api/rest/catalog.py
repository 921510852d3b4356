"""REST API v1: catalog operations."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["catalog"])
