"""The GitHub Pages workflow: it parses, builds with the README's command and the real model, restores
the caches, runs the golden check before the build, checks the site, refuses a stand-in site, and deploys
with the official actions."""
import subprocess
import sys

import yaml
from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"


def steps():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the key `on` as True
    assert workflow["permissions"]["pages"] == "write" and workflow["permissions"]["id-token"] == "write"
    return workflow, workflow["jobs"]["build"]["steps"]


def test_workflow_builds_with_the_readme_command_and_the_real_model():
    workflow, build = steps()
    runs = [step.get("run", "") for step in build]
    build_index = next(i for i, run in enumerate(runs) if run.startswith("make build"))
    assert "make build" in (ROOT / "README.md").read_text()
    assert "FALLBACK=0" in runs[build_index] and "MODEL=" not in runs[build_index]  # the default: real CLIP
    # the golden check runs on the same (default, real) model before the build, and its failure fails the job
    golden_index = next(i for i, run in enumerate(runs) if run.startswith("make golden"))
    assert golden_index < build_index and "MODEL=" not in runs[golden_index]
    assert "continue-on-error" not in build[golden_index]
    assert "explainer.golden --model $(MODEL)" in (ROOT / "Makefile").read_text()
    guard_index = next(i for i, run in enumerate(runs) if "--require-real-model" in run)
    upload_index = next(i for i, step in enumerate(build) if "upload-pages-artifact" in step.get("uses", ""))
    assert build_index < guard_index < upload_index and build[upload_index]["with"]["path"] == "site"
    assert any(run.startswith("make check") for run in runs)
    cached = {path for step in build if "actions/cache" in step.get("uses", "")
              for path in step["with"]["path"].split()}
    # the weights, the embeddings, live mode's export and parity, the label-file store: all restored
    assert cached == {".hf", ".cache/embeddings", ".cache/embed-step", ".cache/live", ".cache/label-files"}
    restores = [i for i, step in enumerate(build) if "actions/cache" in step.get("uses", "")]
    assert max(restores) < build_index  # restored before the build reads them
    assert workflow["jobs"]["build"]["env"]["HF_HOME"].endswith("/.hf")
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and any("deploy-pages" in s.get("uses", "") for s in deploy["steps"])


def test_guard_refuses_a_stand_in_site(site):
    out, _ = site
    result = subprocess.run([sys.executable, "-m", "explainer.check", str(out), "--require-real-model"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 1 and "refusing to publish" in result.stderr


def test_guard_accepts_a_real_model_site(site, tmp_path):
    import json
    import shutil
    out, _ = site
    copy = tmp_path / "site"
    shutil.copytree(out / "data", copy / "data", ignore=shutil.ignore_patterns("labels"))
    path = copy / "data" / "embeddings.json"
    data = json.loads(path.read_text())
    data["model"].update(stand_in=False, name="openai/clip-vit-base-patch32")
    path.write_text(json.dumps(data))
    result = subprocess.run([sys.executable, "-m", "explainer.check", str(copy), "--require-real-model"],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
