"""Item 7, memory: the peak resident memory of a whole build process with the full-size model over 1,508
labels (6 templates and a 5-template ensemble), live mode left out."""
import resource
import shutil
import subprocess
import sys
import time

from .common import GiB, ROOT, Budget


def rows(table, folder, work):
    peak, seconds = peak_memory_build(folder, work)
    table.add("7. peak memory of a full-size-model build", f"{peak / GiB:.2f} GiB", Budget("<=", 3, " GiB"),
              peak / GiB, f"1,508 labels x (6 templates + 5-template ensemble), {seconds:.0f} s")


def peak_memory_build(folder, work):
    """Peak RSS of a whole build process with the full-size model over 1,500 labels."""
    content = work / "content-mem"
    shutil.copytree(ROOT / "content", content)
    lines = [l for l in (content / "vocabulary.txt").read_text().splitlines() if l and not l.startswith("#")]
    defaults = [l.strip()[2:] for l in (content / "labels.yaml").read_text().splitlines() if l.strip().startswith("- ")]
    (content / "vocabulary.txt").write_text("\n".join(defaults + [l for l in lines if l not in defaults][:1500]) + "\n")
    templates = (content / "ensemble-templates.txt").read_text().splitlines()
    (content / "ensemble-templates.txt").write_text("\n".join(templates[:5]) + "\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), "--model", str(folder), "--out",
                             str(work / "site-mem"), "--content", str(content), "--cache", str(work / "cache-mem"),
                             "--no-live"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"full-size build failed:\n{result.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux: kilobytes
    return max(peak, before * 1024), time.perf_counter() - start

