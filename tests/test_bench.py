"""The benchmark stays runnable as the schema grows (it times nothing here)."""
import subprocess
import sys
from pathlib import Path

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
