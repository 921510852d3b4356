"""What a parser hands to the writer: one clean row, or the reason a line was refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int
    source_id: str
    department: str
    group: str
    service_type: str
    queue: str
    status: str
    channel: str
    created_at: datetime
    resolution_due_at: datetime | None
    closed_at: datetime | None
    title: str
    closure_text: str
    address: str
    area: str
    lat: float | None
    long: float | None


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"
