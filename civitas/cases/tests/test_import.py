"""import_cases --format boston: bad rows reported by line, idempotent re-runs, rollups rebuilt."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from civitas.audit.models import AuditEvent
from civitas.audit.verify import verify_audit
from civitas.cases.handlers import rebuild_all_daily_stats
from civitas.cases.importing import boston
from civitas.cases.models import Case, CaseDailyStat, TimelineEntry
from civitas.catalog.models import ServiceType

pytestmark = pytest.mark.django_db

EXTRACT = Path(__file__).resolve().parents[3] / "tests" / "data" / "boston_311_2011_extract.csv"


def _rows(n: int) -> list[list[str]]:
    with EXTRACT.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        return [next(reader) for _ in range(n + 1)]


def _write(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "boston.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def _run(path: Path, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_cases", str(path), format="boston", no_progress=True, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_import_extract_and_rerun_adds_nothing(tmp_path):
    out, err = _run(EXTRACT, batch_size=500)
    assert "Imported 2331, skipped 0 already present, rejected 0 bad rows" in out, (out, err)
    assert Case.objects.count() == 2331
    closed = Case.objects.filter(status="closed").first()
    assert closed.closed_at
    (entry,) = closed.timeline.all()  # one entry: the closure, with the text when there was one
    assert entry.kind in {"public_update", "status_change"} and entry.data == {"from": "open", "to": "closed"}
    assert entry.created_at == closed.closed_at
    assert not Case.objects.filter(status="open").first().timeline.exists()
    assert Case.objects.filter(lat__isnull=True).exists()  # city-centre default points dropped
    assert ServiceType.objects.filter(code="street-light-outages").exists()
    out, _ = _run(EXTRACT)
    assert "Imported 0, skipped 2331 already present" in out
    assert Case.objects.count() == 2331
    assert verify_audit().ok
    assert AuditEvent.objects.filter(action="import:case:batch").count() == 5


def test_mapping_of_one_row(tmp_path):
    rows = _rows(1)
    path = _write(tmp_path, rows)
    _run(path)
    case = Case.objects.get()
    record = dict(zip(rows[0], rows[1], strict=True))
    assert case.source_system == "boston311" and case.source_id == record["case_enquiry_id"]
    assert case.department.name == record["subject"]
    assert case.service_type.name == record["type"] and case.service_type.group.name == record["reason"]
    assert case.reference.startswith("SR-2011-")
    assert case.title == record["case_title"]
    entries = list(case.timeline.values_list("kind", "body"))
    assert entries == [("public_update", "replaced 100 amp fuse and reset breaker")]


def test_bad_rows_are_reported_and_the_rest_imported(tmp_path):
    rows = _rows(6)
    header = rows[0]
    col = {name: i for i, name in enumerate(header)}
    rows[2][col["open_dt"]] = "yesterday"
    rows[3][col["case_enquiry_id"]] = ""
    rows[4][col["latitude"]] = "north"
    rows[5][col["case_status"]] = "Pending"
    rows[6] = rows[6][:5]  # a short line
    path = _write(tmp_path, rows)
    out, err = _run(path)
    assert "Imported 1, skipped 0 already present, rejected 5 bad rows" in out
    assert "line 3: open_dt 'yesterday' is not a date and time" in err
    assert "line 4: case_enquiry_id '' is not a number" in err
    assert "line 5: latitude/longitude 'north'" in err
    assert "line 6: case_status 'Pending'" in err
    assert "line 7: " in err
    assert Case.objects.count() == 1


def test_duplicate_ids_inside_one_file(tmp_path):
    rows = _rows(2)
    rows.append(list(rows[1]))
    out, _ = _run(_write(tmp_path, rows))
    assert "Imported 2, skipped 1 already present" in out


def test_wrong_file_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="missing columns"):
        _run(path)
    with pytest.raises(CommandError, match="No such file"):
        _run(tmp_path / "absent.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(CommandError, match="not UTF-8"):
        _run(binary)
    assert Case.objects.count() == 0


def test_rollup_rebuild_matches_cases(tmp_path):
    _run(_write(tmp_path, _rows(200)))
    rebuild_all_daily_stats()
    assert sum(CaseDailyStat.objects.values_list("opened", flat=True)) == 200
    closed = Case.objects.filter(closed_at__isnull=False).count()
    assert sum(CaseDailyStat.objects.values_list("closed", flat=True)) == closed


def test_parser_keeps_real_locations():
    handle = io.StringIO(EXTRACT.read_text(encoding="utf-8"))
    parsed = list(boston.parse(handle))
    assert len(parsed) == 2331
    assert not [row for row in parsed if isinstance(row, boston.RowError)]
    geocoded = [row for row in parsed if row.lat is not None]
    assert 0 < len(geocoded) < len(parsed)
    assert TimelineEntry.objects.count() == 0  # parsing alone writes nothing
