"""Signed webhooks: subscriptions (services), the fan-out of case events, signing and delivery.

- `subscriptions`: create / update / disable / enable / rotate secret / ping (audited services).
- `fanout`: a case event → one delivery row and one delivery task per subscription that may hear of it.
- `signing`: canonical bodies, the `Civitas-Signature` header and `verify_signature` for receivers.
- `delivery`: one POST through the SSRF guard (`civitas.integrations.netguard`), retries, disabling.
"""
