"""The client as shipped: every relative import of a module in site/assets resolves to a file that the
build copied (subfolders included), each module stays small enough to read in one sitting, and the folders
keep their layers (docs/architecture.md): rules/ (pure) < ui/ (DOM helpers, the snapshot) < state/ and
figures/ < labels/ and live/ < page.js."""
import re

import pytest

IMPORT = re.compile(r"""(?:\bimport\s*(?:[^'"]*?\bfrom\s*)?|\bimport\()\s*['"](\.{1,2}/[^'"]+)['"]""")
MAX_LINES = 250


@pytest.fixture(scope="module")
def modules(site):
    out, _ = site
    return out, sorted((out / "assets").rglob("*.js"))


def test_every_relative_import_resolves_to_a_shipped_file(modules):
    out, paths = modules
    assert (out / "assets" / "figures") in {p.parent for p in paths}  # copy_assets copies subfolders
    seen = set()
    for path in paths:
        for target in IMPORT.findall(path.read_text()):
            resolved = (path.parent / target).resolve()
            assert resolved.is_file(), f"{path.relative_to(out)} imports {target}, which is not in the site"
            seen.add(resolved)
    page = (out / "assets" / "page.js").resolve()
    assert len(seen) >= 15 and page not in seen  # page.js is the entry point; the rest hang off it


def test_no_client_module_is_over_250_lines(modules):
    out, paths = modules
    long = {str(p.relative_to(out)): n for p in paths if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, long


# Each folder's layer: a module imports only from its own folder or from a lower layer (rules/ from rules/ only);
# two folders on one layer do not import each other. page.js, the entry point, is the top.
LAYERS = {"rules": 0, "ui": 1, "state": 2, "figures": 2, "labels": 3, "live": 3, "": 4}


def folder_of(assets, path):
    """site/assets/state/store.js -> 'state'; site/assets/page.js -> ''; vendored code -> None."""
    parts = path.relative_to(assets).parts
    return None if parts[0] == "vendor" or path.suffix != ".js" else ("" if len(parts) == 1 else parts[0])


def imports_of(assets, path):
    """path's relative imports inside assets/ (vendored runtimes left out), resolved."""
    resolved = [(path.parent / target).resolve() for target in IMPORT.findall(path.read_text())]
    return [p for p in resolved if p.is_relative_to(assets) and folder_of(assets, p) is not None]


def test_the_folders_keep_their_layers(modules):
    out, paths = modules
    assets = (out / "assets").resolve()
    folders = {folder_of(assets, p.resolve()) for p in paths} - {None}
    assert folders == set(LAYERS), folders  # every module is in a known folder; no empty layer
    assert {p.name for p in (assets / "rules").glob("*.js")} >= {"clipmath.js", "rows.js", "sentences.js"}
    crossings = []
    for path in paths:
        source = folder_of(assets, path.resolve())
        if source is None:
            continue
        for target in imports_of(assets, path.resolve()):
            folder = folder_of(assets, target)
            if folder != source and LAYERS[folder] >= LAYERS[source]:
                crossings.append(f"{path.relative_to(out)} -> {target.relative_to(assets)}")
    assert not crossings, crossings


def test_rules_are_pure(modules):
    """What the build runs in Node touches no page: no document, window or storage in rules/."""
    out, paths = modules
    rules = [p for p in paths if p.parent.name == "rules"]
    assert len(rules) >= 9
    for path in rules:
        code = re.sub(r"//[^\n]*|/\*.*?\*/", "", path.read_text(), flags=re.S)
        assert not re.search(r"\b(?:document|window|localStorage|caches|fetch)\b", code), path.name


def test_figures_read_only_their_view(modules):
    """A figure gets everything through update(view): it imports no data loading, no state, no other figure."""
    out, paths = modules
    assets = (out / "assets").resolve()
    figures = [p for p in paths if p.parent.name == "figures" and p.name != "index.js"]  # index.js: the registry
    assert len(figures) >= 8
    for path in figures:
        imported = {folder_of(assets, target) for target in imports_of(assets, path.resolve())}
        assert imported <= {"rules", "ui"}, (path.name, imported)  # no state/ (store, urlstate, data), no page
        assert not any(target.startswith("./") for target in IMPORT.findall(path.read_text())), path.name
        assert re.search(r"^export function update\(\w+\)", path.read_text(), re.M), path.name


FIGURE = re.compile(r"^export const figure = \{(.*?)^\};", re.M | re.S)


def view_keys(page):
    """The keys of the view page.js's viewOf hands every figure."""
    body = re.search(r"^function viewOf\(state\) \{.*?^  return \{(.*?)^  \};", page, re.M | re.S).group(1)
    body = re.sub(r"//.*", "", body)
    return set(re.findall(r"(?:^\s*|[{,]\s*)(\w+)(?=\s*[:,}]|\s*$)", body, re.M))


def test_every_figure_keeps_the_contract(modules):
    """Every figure module exports figure = {name, near, reads, init, update}, named as its file; it reads only
    the view keys it declares, and those are keys of page.js's view; figures/index.js lists every figure once,
    with the elements that call for it (its near)."""
    out, paths = modules
    assets = out / "assets"
    keys = view_keys((assets / "page.js").read_text())
    assert {"photo", "labels", "sims", "probs", "vector", "snap", "scored"} <= keys, keys
    registry = (assets / "figures" / "index.js").read_text()
    figures = [p for p in paths if p.parent.name == "figures" and p.name != "index.js"]
    assert len(figures) >= 13
    for path in figures:
        source = path.read_text()
        contract = FIGURE.search(source)
        assert contract, f"{path.name}: no `export const figure = {{...}}`"
        body = contract.group(1)
        assert re.search(rf"\bname: '{path.stem}'", body), f"{path.name}: its name is not its file's"
        for part in ("near", "reads"):
            assert re.search(rf"\b{part}: \[", body), f"{path.name}: no {part}"
        for part in ("init", "update"):
            assert re.search(rf"(?:^|[\s,{{]){part}\b", body), f"{path.name}: no {part}"
        reads = set(re.findall(r"'(\w+)'", re.search(r"\breads: \[(.*?)\]", body, re.S).group(1)))
        assert reads and reads <= keys, f"{path.name} declares {sorted(reads - keys)}, which the view does not have"
        used = set(re.findall(r"\b(?:view|next|latest)\.(\w+)", source))
        assert used <= reads, f"{path.name} reads {sorted(used - reads)} without declaring it"
        assert len(re.findall(rf"'\./{path.name}'", registry)) == 1, f"{path.name} is not in figures/index.js once"
        # the registry says which elements call for the module (a page fetches only its own figures' code)
        entry = re.search(rf"name: '{path.stem}', (?:ids|near): \[(.*?)\]", registry)
        near = re.search(r"\bnear: \[(.*?)\]", body, re.S).group(1)
        assert entry and re.findall(r"'([\w-]+)'", entry.group(1)) == re.findall(r"'([\w-]+)'", near), path.name
