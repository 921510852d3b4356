"""Bulk import of cases from other systems' exports (Boston 311 CSV first)."""
