"""Hostile builds (issue 30): an out folder the build must not replace, a build killed at each step of the
swap, a references.bib that would take minutes, settings numbers that would end in a traceback or a huge
grid, and `make serve`'s port, host and Host header. Each kind with its own variants; every refusal is one
sentence naming why (file:line where there is a file), never a traceback, and nothing an author owns is lost."""
import hashlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import types
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, make_small_inputs, small_build

from explainer import serve as serve_module
from explainer.content import read_content, read_settings
from explainer.errors import BuildError
from explainer.references import read_references
from explainer.staticserver import serve
from explainer.write import SITE_LAYOUT, SITE_MARKER, check_out

INPUT_NAMES = ("content", "photos", "templates", "cache", "node_modules")


def snapshot_of(folder):
    """{relative path: sha256} of every file under folder."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def inputs_in(folder):
    """Input folders of a build, all under folder (they need not exist for check_out)."""
    return {name: folder / name for name in INPUT_NAMES}


def refusal(out, inputs):
    with pytest.raises(BuildError) as error:
        check_out(out, inputs)
    message = str(error.value)
    assert message.startswith(f"refusing --out {out}: ") and "\n" not in message
    return message


# ---- 1. --out ------------------------------------------------------------------------------------------

def test_out_that_is_or_holds_an_input_or_the_repository_is_refused(tmp_path):
    inputs = inputs_in(tmp_path / "work")
    for folder in inputs.values():
        folder.mkdir(parents=True)
    assert "it is the content folder" in refusal(inputs["content"], inputs)
    assert "it is the cache folder" in refusal(inputs["cache"], inputs)
    assert "it contains the content folder" in refusal(tmp_path / "work", inputs)
    assert "it contains" in refusal(tmp_path, inputs)
    assert "inside the templates folder" in refusal(inputs["templates"] / "assets" / "new", inputs)
    assert "inside the cache folder" in refusal(inputs["cache"] / "site", inputs)
    link = tmp_path / "link-to-photos"
    link.symlink_to(inputs["photos"])
    assert "it is the photos folder" in refusal(link, inputs)  # a symlink is followed
    assert "it is the repository" in refusal(ROOT, inputs)
    assert "it contains the repository" in refusal(ROOT.parent, inputs)
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert "inside a git folder" in refusal(tmp_path / "repo" / ".git" / "site", inputs)
    check_out(tmp_path / "work" / "site", inputs)  # beside the inputs: fine
    check_out(ROOT / "site-elsewhere", inputs)     # inside the repository (where site/ lives): fine


def test_out_holding_files_no_build_wrote_is_refused(tmp_path):
    inputs = inputs_in(tmp_path / "inputs")
    git_tree = tmp_path / "clone"
    (git_tree / ".git").mkdir(parents=True)
    assert "holds a .git folder" in refusal(git_tree, inputs)
    worktree = tmp_path / "worktree"  # a git worktree's .git is a file
    worktree.mkdir()
    (worktree / ".git").write_text("gitdir: /elsewhere\n")
    assert "holds a .git folder" in refusal(worktree, inputs)
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "thesis.tex").write_text("years of work")
    assert f"no {SITE_MARKER} marker" in refusal(notes, inputs)
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / ".profile").write_text("x")
    assert "files a build did not write" in refusal(hidden, inputs)
    # a site built before the marker existed is recognised by its layout, but not with a stranger in it
    legacy = tmp_path / "legacy"
    for name in ("assets", "vendor", "data"):
        (legacy / name).mkdir(parents=True)
    (legacy / "index.html").write_text("<!doctype html>")
    (legacy / ".nojekyll").write_text("")
    check_out(legacy, inputs)
    (legacy / "CNAME").write_text("example.org")
    assert "files a build did not write" in refusal(legacy, inputs)
    (legacy / SITE_MARKER).write_text("")
    check_out(legacy, inputs)  # the marker says a build made it
    empty = tmp_path / "empty"
    empty.mkdir()
    check_out(empty, inputs)
    check_out(tmp_path / "not" / "yet" / "there", inputs)


def test_out_that_is_a_file_the_root_or_a_mount_point_is_refused(tmp_path):
    inputs = inputs_in(tmp_path / "inputs")
    a_file = tmp_path / "report.pdf"
    a_file.write_bytes(b"%PDF")
    assert "an existing file" in refusal(a_file, inputs)
    assert "is a file, not a folder" in refusal(a_file / "site", inputs)
    assert "root of the file system or a mount point" in refusal(Path("/"), inputs)
    mounts = [p for p in (Path("/proc"), Path("/dev"), Path("/sys")) if os.path.ismount(p)]
    if mounts:
        assert "mount point" in refusal(mounts[0], inputs)
    assert a_file.read_bytes() == b"%PDF"


def run_build(args, cwd=ROOT, env=None, timeout=600):
    return subprocess.run([sys.executable, "build.py", "--model", "stand-in", "--no-live", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


def test_build_py_refuses_before_any_work_and_keeps_every_file(small, tmp_path):
    content, photos, cache, out = small
    before = snapshot_of(content)
    result = run_build(["--out", content, "--content", content, "--photos", photos, "--cache", cache])
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"refusing --out {content}: it is the content folder" in result.stderr
    assert snapshot_of(content) == before
    # the repository itself, with an untracked file in it: refused before the content is even read
    result = run_build(["--out", ".", "--content", tmp_path / "no-such-content"])
    assert result.returncode == 1 and "refusing --out .: it is the repository" in result.stderr
    assert "Traceback" not in result.stderr and (ROOT / ".git").exists()
    with pytest.raises(BuildError, match="it contains the content folder"):
        small_build((content, photos, cache, content.parent))


def test_two_builds_in_a_row_and_a_site_from_before_the_marker(small):
    content, photos, cache, out = small
    small_build(small)
    assert (out / SITE_MARKER).is_file() and (out / "index.html").is_file()
    (out / SITE_MARKER).unlink()  # as a site built before this change, which had none of the later pages
    for later in [p for p in out.iterdir() if p.name not in SITE_LAYOUT]:
        shutil.rmtree(later) if later.is_dir() else later.unlink()
    small_build(small)
    assert (out / SITE_MARKER).is_file()
    small_build(small)
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]  # no leftovers


# ---- 2. a kill at each step of the swap -------------------------------------------------------------------

class PausedBuild:
    """build.py in a subprocess that stops at a named point (EXPLAINER_PAUSE_AT) and is then SIGKILLed."""

    def __init__(self, small, point):
        content, photos, cache, out = small
        env = dict(os.environ, EXPLAINER_PAUSE_AT=point)
        self.proc = subprocess.Popen(
            [sys.executable, "build.py", "--model", "stand-in", "--no-live", "--out", str(out), "--content",
             str(content), "--photos", str(photos), "--cache", str(cache)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: [*map(lines.put, self.proc.stderr), lines.put(None)], daemon=True).start()
        seen = []
        while True:
            try:
                line = lines.get(timeout=300)  # None: the build ended without pausing
            except queue.Empty:
                line = None
            if line is None:
                self.proc.kill()
                raise AssertionError(f"the build never paused at {point}: {''.join(seen)[-2000:]}")
            seen.append(line)
            if f"paused at {point}" in line:
                break
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


def whole(site):
    """The site is complete: the page, its marker, and every label file in data/labels that the build wrote."""
    files = snapshot_of(site)
    labels = [name for name in files if name.startswith("data/labels/")]
    return "index.html" in files and SITE_MARKER in files and len(labels) >= 40


def test_a_kill_at_each_step_leaves_the_old_site_or_the_new_one(small):
    content, photos, cache, out = small
    small_build(small)
    old = snapshot_of(out)
    assert whole(out)
    prelude = content / "sections" / "00-prelude.md"
    prelude.write_text(prelude.read_text().replace("An ordinary image classifier", "A killed-build classifier"))
    for point in ("labels", "swap"):  # before the swap: the old site, byte for byte
        PausedBuild(small, point)
        assert snapshot_of(out) == old, point
    PausedBuild(small, "swapped")  # after the exchange, before the old copy is deleted: the new site, whole
    new = snapshot_of(out)
    assert whole(out) and sorted(new) == sorted(old)
    assert "A killed-build classifier" in (out / "index.html").read_text()
    assert [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.building-")]  # the old, aside
    small_build(small)  # the next build deletes what the killed ones left
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]
    assert snapshot_of(out) == new


def dead_pid():
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True, timeout=60)
    return int(finished.stdout)


def test_without_an_atomic_exchange_a_kill_between_the_renames_is_undone_by_the_next_build(tmp_path, monkeypatch):
    from explainer import write
    out = tmp_path / "site"
    (out / "data").mkdir(parents=True)
    (out / "index.html").write_text("old")
    monkeypatch.setattr(write, "rename_exchange", lambda a, b: False)  # a system without renameat2
    with write.staging(out) as site:
        (site / "index.html").write_text("new")
    assert (out / "index.html").read_text() == "new" and (out / SITE_MARKER).is_file()
    # what a kill between "old site aside" and "new site in place" leaves: no site, the old one aside
    aside = tmp_path / f".site.old-{dead_pid()}"
    out.rename(aside)
    (tmp_path / f".site.building-{dead_pid()}").mkdir()
    write.remove_leftovers(out)
    assert (out / "index.html").read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# ---- 3. references.bib ------------------------------------------------------------------------------------

def bib_error(tmp_path, text, **limits):
    path = tmp_path / "references.bib"
    path.write_text(text)
    with pytest.raises(BuildError) as error:
        read_references(path, limits or None)
    return str(error.value).removeprefix(f"{path}:")


def entry(key, author="A. Author", title="{T}"):
    return f"@misc{{{key},\n  author = {{{author}}},\n  title = {title},\n  year = 2021\n}}\n"


@pytest.mark.parametrize("base, quote", [("x" * 4, '"{}"'), ("ab" * 40, "{{{}}}"), ("\u00e9" * 7, '"{}"')])
def test_string_macros_that_double_are_refused_at_their_line(tmp_path, base, quote):
    lines = [f"@string{{s0 = {quote.format(base)}}}"] + [f"@string{{s{i} = s{i - 1} # s{i - 1}}}" for i in range(1, 41)]
    message = bib_error(tmp_path, "\n".join(lines) + "\n" + entry("x", title="s40"))
    line = int(message.split(":")[0])
    assert 1 < line <= 41 and "longer than 10,000 characters" in message and "reference_field_length" in message
    assert 2 ** (line - 1) * len(base) > 10_000 >= 2 ** (line - 2) * len(base)  # the first one past the limit


def test_long_values_many_authors_many_entries_and_big_files_are_refused(tmp_path):
    concatenated = '@string{s = "' + "a" * 900 + '"}\n' + entry("x", title=" # ".join(["s"] * 5000))
    assert bib_error(tmp_path, concatenated).startswith("4: ")  # the title line
    many = " and ".join(f"P{i}" for i in range(150))
    assert bib_error(tmp_path, entry("first") + entry("crowd", author=many)).startswith("6: reference 'crowd' has more "
                                                                                        "than 100 names")
    assert "more than 12 names" in bib_error(tmp_path, entry("few", author=" and ".join("ABCDEFGHIJKLM")),
                                             reference_authors=12)
    entries = "".join(entry(f"k{i}") for i in range(501))
    assert bib_error(tmp_path, entries).startswith(f"{500 * 5 + 1}: more than 500 entries")
    assert bib_error(tmp_path, "".join(entry(f"k{i}") for i in range(3)), references_entries=2).startswith("11: ")
    big = "% padding\n" * 30_000
    assert "larger than 200,000 bytes" in bib_error(tmp_path, big)
    assert read_references(ROOT / "content" / "references.bib")["radford2021"].line == 2  # the real one reads


def test_bib_limits_are_settings_with_ceilings(tmp_path):
    settings = (ROOT / "content" / "settings.yaml").read_text()
    path = tmp_path / "settings.yaml"
    path.write_text(settings.replace("  raw_html: strict\n", "  raw_html: strict\n  references_entries: 3\n"))
    assert read_settings(path)["limits"]["references_entries"] == 3
    path.write_text(settings.replace("  raw_html: strict\n", "  raw_html: strict\n  reference_field_length: 1.0e+9\n"))
    with pytest.raises(BuildError, match=r"settings\.yaml:\d+: limits: reference_field_length must be a whole number"):
        read_settings(path)


# ---- 3b. cite.key and the other values written into "Cite this page" ---------------------------------------

@pytest.mark.parametrize("cite", ['  key: "x},\\n@misc{evil, title={pwned}"', '  key: "two words"',
                                  '  key: "k\\n"', "  key: ''", '  key: "a,b"', "  key: 12",
                                  '  author: "Me}, note = {injected"', '  author: "Me\\n@misc{y,"',
                                  '  author: "{Unclosed"'])
def test_cite_values_that_would_inject_bibtex_are_refused_with_their_line(tmp_path, cite):
    settings = (ROOT / "content" / "settings.yaml").read_text()
    path = tmp_path / "settings.yaml"
    path.write_text(settings + "cite:\n" + cite + "\n")
    line = settings.count("\n") + 2
    with pytest.raises(BuildError, match=rf"settings\.yaml:{line}: cite: (key|author)"):
        read_settings(path)


def test_title_and_site_url_with_unpaired_braces_are_refused(tmp_path):
    settings = (ROOT / "content" / "settings.yaml").read_text()
    path = tmp_path / "settings.yaml"
    path.write_text(settings + 'site_url: "https://example.org/},note={x"\n')
    with pytest.raises(BuildError, match=r"settings\.yaml:\d+: site_url goes into the page's BibTeX"):
        read_settings(path)
    path.write_text(settings.replace('title: "CLIP, zero-shot', 'title: "CLIP}, zero-shot'))
    with pytest.raises(BuildError, match=r"settings\.yaml:2: title goes into"):
        read_settings(path)
    path.write_text(settings + "cite:\n  key: radford-2021:clip\n  author: \"{OpenAI} and Doe, Jane\"\n")
    assert read_settings(path)["cite"]["key"] == "radford-2021:clip"


# ---- 4. settings.yaml's numbers ------------------------------------------------------------------------------

@pytest.mark.parametrize("key, value", [
    ("tau_max", ".inf"), ("tau_max", ".nan"), ("tau_min", "1.0e-320"), ("tau_min", "0"), ("tau_min", "-0.001"),
    ("tau_min", '"0.001"'), ("tau_max", "true"), ("tau_max", "1.0e+18"), ("steps_per_decade", "1.0e+18"),
    ("steps_per_decade", "20000"), ("steps_per_decade", "0"), ("steps_per_decade", "2.5"),
    ("steps_per_decade", "true"), ("steps_per_decade", "-10"), ("steps_per_decade", ".nan")])
def test_temperature_numbers_are_typed_and_bounded(tmp_path, key, value):
    content, photos = make_small_inputs(tmp_path)
    settings = content / "settings.yaml"
    lines = settings.read_text().splitlines()
    line = next(i for i, text in enumerate(lines) if text.strip().startswith(f"{key}:"))
    lines[line] = f"  {key}: {value}"
    settings.write_text("\n".join(lines) + "\n")
    with pytest.raises(BuildError) as error:
        read_content(content, photos)
    assert str(error.value).startswith(f"{settings}:{line + 1}: temperatures: {key} must be")


@pytest.mark.parametrize("tau_min, tau_max, steps, why", [
    ("0.1", "0.01", "10", "need tau_min < tau_max"), ("0.01", "0.01", "10", "need tau_min < tau_max"),
    ("0.0001", "100", "100", "would have 601 steps, over the limit of 500")])
def test_the_grid_is_ordered_and_small(tmp_path, tau_min, tau_max, steps, why):
    content, photos = make_small_inputs(tmp_path)
    settings = content / "settings.yaml"
    text = settings.read_text().replace("tau_min: 0.001", f"tau_min: {tau_min}").replace(
        "tau_max: 1.0", f"tau_max: {tau_max}").replace("steps_per_decade: 10", f"steps_per_decade: {steps}")
    settings.write_text(text)
    with pytest.raises(BuildError, match=rf"settings\.yaml:\d+: .*{why}"):
        read_content(content, photos)


# ---- 5. make serve ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("port", ["99999", "65536", "-1", "eighty", "1e3"])
def test_serve_refuses_a_port_out_of_range_in_one_line(port, capsys):
    with pytest.raises(SystemExit) as exit_:
        serve_module.main(["--model", "stand-in", "--port", port])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "PORT must be a whole number from 0 to 65535" in err and "Traceback" not in err


@pytest.mark.parametrize("host", ["", " "])
def test_serve_refuses_an_empty_host(host, capsys):
    assert serve_module.main(["--model", "stand-in", "--host", host, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "HOST is empty" in err and "every network interface" in err


def test_serve_refuses_an_out_folder_that_is_not_a_site(tmp_path, capsys):
    content, photos = make_small_inputs(tmp_path)
    args = ["--model", "stand-in", "--port", "0", "--content", str(content), "--photos", str(photos)]
    assert serve_module.main([*args, "--out", str(photos)]) == 2
    assert "refusing --out" in capsys.readouterr().err
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "draft.md").write_text("mine")
    assert serve_module.main([*args, "--out", str(tmp_path / "mine")]) == 2
    assert "files a build did not write" in capsys.readouterr().err
    assert (tmp_path / "mine" / "draft.md").read_text() == "mine"


def fetch(url, host=None):
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("handler", ["static", "serve"])
def test_foreign_host_headers_get_421_and_folders_are_not_listed(tmp_path, handler):
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title><body>home</body>")
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "secret-notes.txt").write_text("secret")
    kwargs = {}
    if handler == "serve":
        kwargs["handler"] = serve_module.handler_for(types.SimpleNamespace(version=0, error=None))
    with serve(tmp_path, **kwargs) as url:
        port = url.rsplit(":", 1)[1].strip("/")
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", f"[::1]:{port}", f"10.0.0.7:{port}"):
            assert fetch(url, host)[0] == 200, host
        for host in (f"rebind.attacker.example:{port}", "evil.example", f"localhost.evil.example:{port}",
                     "127.0.0.1.nip.io", "[::1", "a b"):
            assert fetch(url, host)[0] == 421, host
        assert fetch(url + "drafts/secret-notes.txt", "evil.example")[0] == 421
        status, body = fetch(url + "drafts/")
        assert status == 404 and b"secret-notes" not in body
