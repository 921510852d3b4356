"""Resident portal views, one module per area (catalogue, public, report, track, satisfaction, account).

Views parse and validate input, call services/selectors, and render; no business logic here.
"""
