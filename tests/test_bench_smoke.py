"""The smoke version of `make bench` (stand-in only), so a size, count or batching regression fails CI.
It judges nothing a busy machine can change: bytes, counts, and ratios of speeds measured side by side;
absolute times are printed (artifacts/bench-smoke.md) and judged by `make bench` alone."""
import subprocess
import sys

from conftest import ROOT


def test_smoke_bench_meets_its_budgets(site):
    results = ROOT / "artifacts" / "bench-smoke.md"
    result = subprocess.run([sys.executable, "-m", "bench", "--smoke", "--results", str(results)],
                            cwd=ROOT, capture_output=True, text=True, timeout=900)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    table = results.read_text()
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines() if line.startswith("| ")}
    judged = ["1. first view, gzip, without photos", "1. data files fetched by the first view",
              "2. label names, gzip (first keystroke)", "2. label files, gzip, adding 1 label",
              "2. label files, gzip, adding 10 labels", "5. batched / one at a time (stand-in)",
              "6. model calls in prose-only rebuilds", "6. texts embedded for one new vocabulary label",
              "8. live mode, text download, gzip (stand-in)", "8. live parity, text tower (stand-in)",
              "8. live parity, vision tower (stand-in)"]
    for figure in judged:
        assert "| pass |" in rows[figure], rows[figure]
    timed = ["2. Enter to the new row, localhost", "2. Enter to the new row, 1.6 Mbps, 150 ms", "3. time to interactive",
             "4. recompute, 1000 labels", "6. rebuild after a prose-only edit, `make build`",
             "8. live mode, each further label (stand-in)", "8. live mode, one photo (stand-in)"]
    for figure in timed:  # printed, never judged here
        assert "| pass |" not in rows[figure] and "| FAIL |" not in rows[figure], rows[figure]
    assert "FAIL" not in table
