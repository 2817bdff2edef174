"""The page's state has one owner, templates/assets/state/store.js: its reducer's tests run in Node
(tests/store_in_node.mjs), and the client's sources are checked for what would bring a second owner back:
an import circle, a write into the inline snapshot, the bare label length."""
import re
import subprocess

from conftest import ROOT

ASSETS = ROOT / "templates" / "assets"
IMPORT = re.compile(r"""(?:\bimport\s*(?:[^'"]*?\bfrom\s*)?|\bimport\()\s*['"](\.{1,2}/[^'"]+)['"]""")


def client_modules():
    return sorted(p for p in ASSETS.rglob("*.js") if "vendor" not in p.parts)


def test_the_reducer_in_node():
    result = subprocess.run(["node", "--test", str(ROOT / "tests" / "store_in_node.mjs")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = int(re.search(r"^# pass (\d+)", result.stdout, re.M).group(1))
    assert passed >= 12 and re.search(r"^# fail 0", result.stdout, re.M)


def test_no_import_circle():
    graph = {p.resolve(): {(p.parent / t).resolve() for t in IMPORT.findall(p.read_text())} for p in client_modules()}
    assert (ASSETS / "state" / "store.js").resolve() in graph[(ASSETS / "page.js").resolve()]
    state = {}  # path -> 'open' while on the walk's path, 'done' after

    def walk(node, path):
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            assert state.get(target) != "open", " -> ".join(p.name for p in [*path, node, target])
            if target not in state:
                walk(target, [*path, node])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            walk(node, [])


def test_no_module_writes_the_snapshot():
    write = re.compile(r"\bsnap(?:\.\w+|\[[^\]]+\])+\s*(?:=(?!=)|\+=|-=)|\bsnap\.\w+\.(?:push|splice|pop|shift|set)\(")
    for path in client_modules():
        assert not write.search(path.read_text()), path.name


def test_one_label_length():
    """The label length and the context length are Python's (settings.PAGE_LABEL_LENGTH, the model's
    context_length): the page reads them from the snapshot (ui/snapshot.js), no client module writes them."""
    for path in client_modules():
        code = re.sub(r"//[^\n]*|/\*.*?\*/", "", path.read_text(), flags=re.S)  # comments may name the numbers
        assert not re.search(r"(?<![\w.])(?:64|77)(?![\w.])", code), path.name
    snapshot = (ASSETS / "ui" / "snapshot.js").read_text()
    assert "snap.limits.label_length" in snapshot and "snap.model.context_length" in snapshot


def test_side_effects_live_in_one_module():
    """A label's trip one way (#31 item 5): only effects.js starts a label's fetch or a live label's embedding (with
    its part for a further model's label files, state/modelfiles.js, which only effects.js loads and runs), the
    store hands it every action, and no loader (data.js, labelfiles.js) or live/ module hides one in a subscriber."""
    effects = ASSETS / "effects.js"
    model_files = ASSETS / "state" / "modelfiles.js"
    assert "import('./state/modelfiles.js')" in effects.read_text()
    starts = re.compile(r"\b(?:fetchLabel|embedFirst|embedRest)\(")
    for path in client_modules():
        code = re.sub(r"//[^\n]*|/\*.*?\*/", "", path.read_text(), flags=re.S)
        calls = [line for line in code.splitlines() if starts.search(line) and not line.startswith("export ")]
        assert path in (effects, model_files) or not calls, path.name
        if path.name in ("data.js", "labelfiles.js") or path.parent.name == "live":
            assert ".subscribe(" not in code, path.name
    assert "createStore(initialState(defaults, snap.default.labels, measure), labelEffects)" in \
        (ASSETS / "page.js").read_text()
    assert starts.search(effects.read_text())
