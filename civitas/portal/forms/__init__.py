"""Forms of the resident portal (interface layer: parse and check input, no business rules)."""
