"""The client as shipped: every relative import of a module in site/assets resolves to a file that the
build copied (subfolders included), and each module stays small enough to read in one sitting."""
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


def test_figures_read_only_their_view(modules):
    """A figure gets everything through update(view): it imports no data loading, no state, no other figure."""
    out, paths = modules
    figures = [p for p in paths if p.parent.name == "figures"]
    assert len(figures) >= 8
    for path in figures:
        imports = {target.rsplit("/", 1)[-1] for target in IMPORT.findall(path.read_text())}
        assert not imports & {"data.js", "page.js", "labels.js", "history.js", "controls.js"}, (path.name, imports)
        assert not any(target.startswith("./") for target in IMPORT.findall(path.read_text())), path.name
        assert re.search(r"^export function update\(\w+\)", path.read_text(), re.M), path.name
