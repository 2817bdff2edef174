"""The fast version of `make bench` (stand-in only; budgets 1-4 and 6), so a size or speed regression
fails CI. The figures are printed in the test log and written to artifacts/bench-smoke.md."""
import subprocess
import sys

from conftest import ROOT


def test_smoke_bench_meets_its_budgets(site):
    results = ROOT / "artifacts" / "bench-smoke.md"
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "bench.py"), "--smoke", "--results", str(results)],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    table = results.read_text()
    for figure in ("1. first view, gzip, without photos", "2. vocabulary, gzip, per label", "3. time to interactive",
                   "4. recompute, 1000 labels", "6. rebuild after a prose-only edit", "6. rebuild after adding one"):
        assert figure in table
    assert "FAIL" not in table
