"""The Boston import benchmark: `manage.py import_cases` as a child process, and a raw COPY beside it.

- `run_import()` runs the real command (`import_cases --format boston FILE --no-progress`) in its own
  process and reads that process's peak RSS from os.wait4(); the rate is the one the command prints
  (rows imported / seconds spent importing, Django start-up and the line count excluded).
- `raw_copy()` measures PostgreSQL's own speed on the same file: COPY ... FROM STDIN (FORMAT csv) into
  a bare table of text columns, no index, no constraint; the import's target is a fraction of it.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._django import REPO

IMPORTED = re.compile(
    r"Imported (?P<imported>[\d,]+), skipped (?P<skipped>[\d,]+) already present, "
    r"rejected (?P<rejected>[\d,]+) bad rows, in (?P<seconds>[\d.]+)s \((?P<rate>[\d,]+) rows/s\)"
)


def run_import(env: dict[str, str], path: Path, *, batch_size: int | None = None) -> dict[str, Any]:
    """Import `path` into the database named by env["DATABASE_URL"]; figures of that one process."""
    command = [sys.executable, "manage.py", "import_cases", "--format", "boston", str(path), "--no-progress"]
    if batch_size:
        command += ["--batch-size", str(batch_size)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    match = IMPORTED.search(stdout)
    if process.returncode != 0 or match is None:
        last = next((line for line in reversed(stderr.splitlines()) if line.strip()), "no output")
        raise RuntimeError(f"import_cases failed (exit {process.returncode}): {last}\n{stdout}\n{stderr}")
    number = {key: float(value.replace(",", "")) for key, value in match.groupdict().items()}
    return {
        "imported": int(number["imported"]),
        "skipped": int(number["skipped"]),
        "rejected": int(number["rejected"]),
        "seconds": number["seconds"],
        "rate": number["rate"],
        "wall": wall,
        # Linux reports ru_maxrss in KiB.
        "max_rss_mb": usage.ru_maxrss / 1024,
    }


def raw_copy(database_url: str, path: Path, *, repeat: int = 3) -> dict[str, Any]:
    """Best of `repeat` COPYs of the whole file into a bare all-text table (created and dropped here)."""
    import psycopg

    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    rows = _count_rows(path)
    columns = ", ".join(f'"{name}" text' for name in header)
    times = []
    with psycopg.connect(database_url) as conn:
        conn.execute(f"CREATE TABLE bench_raw_311 ({columns})")
        conn.commit()
        try:
            for _ in range(repeat):
                started = time.perf_counter()
                with (
                    conn.cursor() as cursor,
                    path.open("rb") as data,
                    cursor.copy("COPY bench_raw_311 FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
                ):
                    while block := data.read(1 << 20):
                        copy.write(block)
                conn.commit()
                times.append(time.perf_counter() - started)
                conn.execute("TRUNCATE bench_raw_311")
                conn.commit()
        finally:
            conn.execute("DROP TABLE IF EXISTS bench_raw_311")
            conn.commit()
    best = min(times)
    return {"rows": rows, "seconds": best, "rate": rows / best}


def _count_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)
