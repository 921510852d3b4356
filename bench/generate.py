"""Synthetic data for the benchmarks, shaped on real data.

- `boston_csv()`: a Boston 311 CSV (the layout `import_cases --format boston` reads) of any length.
  Categories (subject > reason > type, queue), titles, closure texts, places and sources are drawn
  from the real extract in tests/data, with their real frequencies; ids and times run forward from
  July 2011 as in the real file; about 6% of rows stay open and 10% carry the un-geocoded
  city-centre point, as in the real half-year.
- `audit_rows()`: audit-chain rows with realistic actions and payloads, hashed exactly as
  civitas.audit.services writes them (so `verify_audit` accepts them).

Command line: `python bench/generate.py boston --rows 200000 --out /tmp/boston.csv`.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXTRACT = REPO / "tests" / "data" / "boston_311_2011_extract.csv"
REAL_FILE = REPO.parent / "shared" / "data" / "311" / "boston_311_service_requests_2011.csv"
CITY_CENTRE = ("42.3594", "-71.0587")


# --- Boston 311 CSV ----------------------------------------------------------------------------------


def boston_csv(path: Path, rows: int, *, seed: int = 2011, sample: Path = EXTRACT) -> int:
    """Write `rows` synthetic Boston 311 rows to `path`; returns the number written."""
    rng = random.Random(seed)
    with sample.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        records = list(reader)
    col = {name: i for i, name in enumerate(header)}
    case_ids = [int(r[col["case_enquiry_id"]]) for r in records if r[col["case_enquiry_id"]].isdigit()]
    next_id = max(case_ids, default=101000295613)
    opened = datetime(2011, 7, 1, 0, 5, 0)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for _ in range(rows):
            model = rng.choice(records)  # a real row: its category, queue, place and source go together
            next_id += rng.randint(1, 3)
            opened += timedelta(seconds=rng.expovariate(1 / 270))  # ~320 requests a day, as in 2011
            record = list(model)
            record[col["case_enquiry_id"]] = str(next_id)
            record[col["open_dt"]] = _stamp(opened)
            record[col["target_dt"]] = (
                _stamp(opened + timedelta(days=rng.choice((2, 5, 14, 30)))) if model[col["target_dt"]] else ""
            )
            if rng.random() < 0.063:
                record[col["case_status"]] = "Open"
                record[col["closed_dt"]] = ""
                record[col["closure_reason"]] = " "
                record[col["ontime"]] = "ONTIME"
            else:
                record[col["case_status"]] = "Closed"
                record[col["closed_dt"]] = _stamp(opened + timedelta(minutes=rng.lognormvariate(7, 2)))
                if not record[col["closure_reason"]].strip():
                    record[col["closure_reason"]] = "Case Closed Case Resolved "
            if rng.random() < 0.10:
                record[col["latitude"]], record[col["longitude"]] = CITY_CENTRE
            elif model[col["latitude"]]:
                record[col["latitude"]] = f"{float(model[col['latitude']]) + rng.uniform(-0.004, 0.004):.4f}"
                record[col["longitude"]] = f"{float(model[col['longitude']]) + rng.uniform(-0.004, 0.004):.4f}"
            writer.writerow(record)
    return rows


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


# --- audit chain -------------------------------------------------------------------------------------

_CHANNELS = ("web", "phone", "email", "open311", "staff")
_STATUSES = ("new", "open", "in_progress", "waiting", "resolved", "closed")
_PURPOSES = ("answer a call", "case follow-up", "subject access request", "merge duplicates")


def _event(rng: random.Random, seq: int) -> tuple[str, int | None, str, str, int | None, dict]:
    """(action, actor_id, object_type, object_id, person_id, payload) in the proportions of a busy city."""
    roll = rng.random()
    actor = rng.randint(1, 60) if rng.random() < 0.85 else None
    case_id = str(rng.randint(1, 400_000))
    if roll < 0.35:
        return (
            "service:case:create",
            actor,
            "cases.case",
            case_id,
            rng.randint(1, 90_000) if rng.random() < 0.6 else None,
            {
                "changes": {
                    "department_id": {"after": rng.randint(1, 12), "before": None},
                    "service_type_id": {"after": rng.randint(1, 140), "before": None},
                    "status": {"after": "new", "before": None},
                },
                "context": {"channel": rng.choice(_CHANNELS), "reference": f"SR-2026-{seq % 999_999:06d}"},
            },
        )
    if roll < 0.60:
        before, after = rng.sample(_STATUSES, 2)
        return (
            "service:case:transition",
            actor,
            "cases.case",
            case_id,
            None,
            {"changes": {"status": {"after": after, "before": before}}, "context": {"note": rng.random() < 0.5}},
        )
    if roll < 0.75:
        return (
            "console:person:read",
            actor,
            "",
            "",
            rng.randint(1, 90_000),
            {"changes": {}, "context": {"purpose": rng.choice(_PURPOSES), "what": "profile"}},
        )
    if roll < 0.90:
        return (
            "service:case:update",
            actor,
            "cases.case",
            case_id,
            None,
            {
                "changes": {
                    "description": {"after": "<changed>", "before": "<redacted>"},
                    "priority": {"after": "high", "before": "normal"},
                },
                "context": {"version": rng.randint(1, 9)},
            },
        )
    if roll < 0.97:
        return (
            "service:case:assign",
            actor,
            "cases.case",
            case_id,
            None,
            {"changes": {"assignee_id": {"after": rng.randint(1, 60), "before": None}}, "context": {}},
        )
    first = rng.randint(2, 50_000)
    return (
        "import:case:batch",
        None,
        "",
        "",
        None,
        {
            "changes": {},
            "context": {
                "file": "boston_311_service_requests_2011.csv",
                "first_line": first,
                "imported": 2000,
                "last_line": first + 1999,
                "source": "boston311",
            },
        },
    )


def audit_rows(
    count: int,
    *,
    start_seq: int = 1,
    prev_hash: str | None = None,
    start: datetime | None = None,
    seed: int = 311,
) -> Iterator[tuple]:
    """Rows (seq, occurred_at, action, actor_id, object_type, object_id, person_id, payload, request_id,
    prev_hash, hash), chained and hashed like civitas.audit.services.audit_record_many does."""
    from civitas.audit.chain import GENESIS_HASH, canonical_json, row_hash

    rng = random.Random(seed)
    prev = prev_hash or GENESIS_HASH
    moment = start or datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    request_id = uuid.UUID(int=rng.getrandbits(128)).hex
    for seq in range(start_seq, start_seq + count):
        moment += timedelta(microseconds=rng.randint(1_000, 3_000_000))
        if rng.random() < 0.7:  # a request often writes a few events
            request_id = uuid.UUID(int=rng.getrandbits(128)).hex if rng.random() < 0.9 else ""
        action, actor_id, object_type, object_id, person_id, body = _event(rng, seq)
        payload = canonical_json(body)
        digest = row_hash(
            seq=seq,
            prev_hash=prev,
            occurred_at=moment,
            action=action,
            actor_id=actor_id,
            object_type=object_type,
            object_id=object_id,
            person_id=person_id,
            payload=payload,
            request_id=request_id,
        )
        yield (seq, moment, action, actor_id, object_type, object_id, person_id, payload, request_id, prev, digest)
        prev = digest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    boston = sub.add_parser("boston", help="write a synthetic Boston 311 CSV")
    boston.add_argument("--rows", type=int, default=58_251)
    boston.add_argument("--out", type=Path, required=True)
    boston.add_argument("--seed", type=int, default=2011)
    args = parser.parse_args(argv)
    written = boston_csv(args.out, args.rows, seed=args.seed)
    print(f"wrote {written:,} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
