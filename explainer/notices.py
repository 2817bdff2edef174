"""THIRD_PARTY_NOTICES.md: the licences of what the site ships and of what builds it, generated so that
it cannot go stale.

- Shipped in site/: every npm package whose files `copy_assets` copies into site/vendor (write.VENDOR and, for
  live mode, write.LIVE_VENDOR),
  with all the packages they depend on in package-lock.json (a bundle such as vega.min.js contains its
  dependencies), each with its licence text from node_modules/<package>/LICENSE.
- Used by the build: every package pinned in requirements.txt, with the licence from its installed
  metadata and the text of its licence file from the dist-info (the top-level files; bundled third-party
  licences inside a wheel are named, not copied).

The build writes the same text into site/; `make notices` (python -m explainer.notices) rewrites the
repository's copy, and a test fails when that copy differs from a fresh one.

    python -m explainer.notices [--check]
"""
import importlib.metadata
import json
import re
import sys
from pathlib import Path

from .errors import BuildError
from .write import LIVE_VENDOR, ROOT, VENDOR

NOTICES_FILE = "THIRD_PARTY_NOTICES.md"
LICENCE_FILE_RE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE)([.-].*)?$", re.I)
PIN_RE = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)")


def package_of(vendored_path):
    """'vega/build/vega.min.js' -> 'vega'; '@scope/pkg/dist/x.js' -> '@scope/pkg'."""
    parts = vendored_path.split("/")
    return "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]


def shipped_npm_packages(lock):
    """{name: lock entry} for each vendored package and everything it depends on, by name."""
    entries = lock["packages"]
    shipped, todo = {}, sorted({package_of(source) for source in {**VENDOR, **LIVE_VENDOR}})
    while todo:  # bounded: each package is visited once
        name = todo.pop()
        if name in shipped:
            continue
        entry = entries.get(f"node_modules/{name}")
        if entry is None:
            raise BuildError(f"{name} is vendored but not in package-lock.json; add it to package.json")
        shipped[name] = entry
        todo += [dep for dep in entry.get("dependencies", {}) if dep not in shipped]
    return dict(sorted(shipped.items()))


def licence_files(folder):
    return sorted(p for p in folder.iterdir() if p.is_file() and LICENCE_FILE_RE.match(p.name))


def npm_section(node_modules, lock):
    out = []
    for name, entry in shipped_npm_packages(lock).items():
        folder = node_modules / name
        files = licence_files(folder) if folder.is_dir() else []
        declared = json.loads((folder / "package.json").read_text()).get("license") if folder.is_dir() else None
        if not files and not declared:
            raise BuildError(f"no licence file in node_modules/{name}/ for the notices; run `npm ci`")
        # a few packages (guid-typescript, under onnxruntime-web) ship no licence text: name the declared one
        texts = ("\n\n".join(f.read_text(encoding="utf-8", errors="replace").strip() for f in files) if files else
                 f"{name} ships no licence file; its package.json declares the licence {declared}.")
        out.append(f"### {name} {entry.get('version', '')} ({entry.get('license', 'licence not declared')})\n\n"
                   f"```text\n{texts}\n```\n")
    return out


def python_licence(metadata):
    """The licence as the package declares it: an SPDX expression, a short License field, or a classifier."""
    if metadata.get("License-Expression"):
        return metadata["License-Expression"]
    declared = (metadata.get("License") or "").strip()
    if declared and "\n" not in declared and len(declared) < 80:
        return declared
    classifiers = [c.split(" :: ")[-1] for c in metadata.get_all("Classifier") or [] if c.startswith("License ::")]
    return ", ".join(classifiers) or "not declared in its metadata"


def python_section(requirements):
    out = []
    for line in Path(requirements).read_text(encoding="utf-8").splitlines():
        pin = PIN_RE.match(line)
        if not pin:
            continue
        dist = importlib.metadata.distribution(pin[1])
        files = sorted(f for f in dist.files or [] if ".dist-info" in f.parts[0] and len(f.parts) <= 3
                       and LICENCE_FILE_RE.match(f.name) and (len(f.parts) == 2 or f.parts[1] == "licenses"))
        nested = [f for f in dist.files or [] if ".dist-info" in f.parts[0] and len(f.parts) > 3
                  and LICENCE_FILE_RE.match(f.name)]
        texts = "\n\n".join((f.read_text(encoding="utf-8") or "").strip() for f in files)
        body = f"```text\n{texts}\n```\n" if texts else "(no licence file in its dist-info)\n"
        if nested:
            body += f"\nIts wheel also carries {len(nested)} licence files of bundled third-party code.\n"
        out.append(f"### {pin[1]} {pin[2]} ({python_licence(dist.metadata)})\n\n{body}")
    return out


def notices_text(root=ROOT, node_modules=None):
    root = Path(root)
    node_modules = Path(node_modules or root / "node_modules")
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    return "\n".join([
        "# Third-party notices",
        "",
        "Generated by `python -m explainer.notices` (`make notices`) from `package-lock.json`, "
        "`node_modules/` and the installed packages pinned in `requirements.txt`; do not edit by hand. "
        "The code of this project is under the MIT licence (`LICENSE`).",
        "",
        "## Shipped in site/vendor/ (npm packages and their dependencies)",
        "",
        *npm_section(node_modules, lock),
        "## Used to build the site (Python packages pinned in requirements.txt; not shipped)",
        "",
        *python_section(root / "requirements.txt"),
        *font_section(root / "content" / "fonts"),
        *model_section(),
    ])


def model_section():
    """The models a site may carry: each one's name, source and licence (the numbers the site shows come from their
    weights; the weights themselves are not shipped). The models page names the models of each build the same way
    (model.model_source); a local checkpoint's licence is its provider's."""
    from .model import MODEL_SOURCES, STAND_IN_SOURCE, STAND_INS
    rows = [*((name, *source) for name, source in MODEL_SOURCES.items()),
            *((name, *STAND_IN_SOURCE) for name in STAND_INS)]
    return ["## Model weights (their numbers, not their weights, are shipped in data/ and models/)", "",
            "| model | source | licence |", "| --- | --- | --- |",
            *[f"| {name} | {source} | {licence} |" for name, source, licence in rows], ""]


def font_section(folder):
    """The fonts vendored in content/fonts/ (the typographic attack's stamp; its glyphs reach the site as
    data/attack/spec.json's atlas), each licence file in full."""
    licences = sorted(Path(folder).glob("LICENSE-*.txt")) if Path(folder).exists() else []
    if not licences:
        return []
    return ["## Vendored in content/fonts/ (the stamp's font; its glyphs are shipped in data/attack/spec.json)", "",
            *[f"### {path.name}\n\n```text\n{path.read_text(encoding='utf-8').strip()}\n```\n" for path in licences]]


def write_notices(site, node_modules):
    """The build's step: the notices for exactly what this build vendored, beside index.html."""
    (Path(site) / NOTICES_FILE).write_text(notices_text(ROOT, node_modules), encoding="utf-8")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    text = notices_text()
    path = ROOT / NOTICES_FILE
    if "--check" in argv:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            print(f"{NOTICES_FILE} is stale: run `make notices`", file=sys.stderr)
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {NOTICES_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
