"""Every route is in the permission map (the admin site guards itself through the role backend)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from civitas.accounts.permissions import PERMISSIONS, PUBLIC, RESIDENT, ROUTE_RULES

SELF_GUARDED_NAMESPACES = {"admin"}


def _named_routes(patterns, namespace: str = "") -> list[str]:
    names: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.namespace in SELF_GUARDED_NAMESPACES:
                continue
            names += _named_routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(f"{namespace}{pattern.name}")
    return names


def test_every_route_has_a_rule():
    routes = _named_routes(get_resolver().url_patterns)
    assert routes, "no routes found"
    missing = [name for name in routes if name not in ROUTE_RULES]
    assert not missing, f"add these routes to civitas.accounts.permissions.ROUTE_RULES: {missing}"


def test_rules_name_real_actions():
    for route, rule in ROUTE_RULES.items():
        assert rule in (PUBLIC, RESIDENT) or rule in PERMISSIONS, (route, rule)
