"""The benchmark stays runnable as the schema grows (it times nothing here)."""
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_ADMIN_URL

ROOT = Path(__file__).resolve().parents[1]


def test_the_list_benchmark_builds_and_runs_every_query():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_lists.py"),
                             "--majors", "20", "--tasks-per-cycle", "3"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "built {'units': 22, 'cycles': 20, 'tasks': 60}" in result.stdout
    assert result.stdout.count(" ms") == 7


def test_the_import_benchmark_runs_and_opens_each_warning_once():
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_import.py"),
                             "--rows", "200"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = next(line for line in result.stdout.splitlines() if line.startswith("200 rows"))
    opened = int(summary.split("new, ")[1].split(" warnings")[0])
    assert opened > 0 and "again: 200 unchanged, 0 opened" in summary
    assert f"; {opened} warnings in all" in summary
    assert result.stdout.count(" ms   goal < ") == 4


@pytest.mark.postgres
def test_make_bench_quick_fills_every_row_of_its_table_on_both_databases(postgres_url):
    """`make bench BENCH_ARGS=--quick`: every section runs on SQLite and PostgreSQL and prints
    its figure beside its goal, and EXPLAIN shows the hot queries on indexes."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick",
                             "--postgres", POSTGRES_ADMIN_URL],
                            capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout.split("=" * 40, 1)[1]
    rows = {line.split("  ")[0].strip(): line for line in table.splitlines()
            if line and not line.startswith(("[", "=", " "))}
    for name in ("Spiral services", "SpiffWorkflow 3.2", "the same statements, raw",
                 "my tasks (我的待办)", "review queue (待我审核)", "cycle page",
                 "dashboard (质量看板)", "a day's 09:00 tick", "the term's busiest tick",
                 "a term's course cycles", "a worker's RSS"):
        line = next((v for k, v in rows.items() if k.startswith(name)), None)
        assert line is not None, f"no row for {name}:\n{table}"
        assert line.count("—") == 0, f"a figure is missing: {line}"
    assert "errors)" not in table  # every page answered 200
    plans = result.stdout.split("EXPLAIN on PostgreSQL", 1)[1]
    assert plans.count("-- ") == 4 and "Index" in plans
