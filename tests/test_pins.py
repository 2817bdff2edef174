"""Weights pinned by revision and sha256 (issue 36, section 3): settings.yaml's `models:` entries written as
{id, revision, sha256}, each bad value refused with the file and line; the stand-in pinned to its true digest
builds, one changed digit fails the build (exit 1, the previous site kept); a Hub model's revision reaches the
download; a folder or stand-in has no revision."""
import logging
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, cache_lock, link_weights, read_snapshot, small_build, without_models

from explainer.errors import BuildError
from explainer.model import resolve_model
from explainer.modelset import model_entry
from explainer.settings import read_settings

REVISION = "3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268"  # any 40 hex digits: no test reaches the Hub


def write_settings(folder, models_yaml):
    """content/settings.yaml with a `models:` block appended; returns (path, the block's first line)."""
    text = without_models((ROOT / "content" / "settings.yaml").read_text(encoding="utf-8"))
    path = folder / "settings.yaml"
    path.write_text(text + "models:\n" + models_yaml, encoding="utf-8")
    return path, text.count("\n") + 1


def changed_digit(digest):
    return ("1" if digest[0] != "1" else "2") + digest[1:]


def fake_hub(monkeypatch, snapshot):
    """huggingface_hub.snapshot_download replaced by a recorder that answers with `snapshot` (a folder laid out as
    the Hub cache's folder of one commit); returns the list of its calls, (repo_id, keyword arguments)."""
    import huggingface_hub
    calls = []

    def snapshot_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs))
        return str(snapshot)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    return calls


def small_files(stand_in, snapshot):
    """The stand-in's config, tokenizer and preprocessor files (not its weights) copied into a new snapshot folder."""
    snapshot.mkdir(parents=True)
    for path in stand_in.folder.iterdir():
        if path.suffix in (".json", ".txt"):
            shutil.copyfile(path, snapshot / path.name)
    return snapshot


def test_both_forms_are_read(tmp_path):
    sha = "ab" * 32
    path, first = write_settings(tmp_path, f"  - stand-in-l14\n  - id: stand-in\n    revision: '{REVISION}'\n"
                                           f"    sha256: {sha}\n  - {{id: 'some/model', sha256: '{sha}'}}\n")
    settings = read_settings(path)
    assert settings["models"] == ["stand-in-l14", "stand-in", "some/model"]   # names, as a plain list gives
    pins = settings["model_pins"]
    assert set(pins) == {"stand-in", "some/model"}                               # plain names pin nothing
    assert (pins["stand-in"].revision, pins["stand-in"].sha256) == (REVISION, sha)
    assert (pins["stand-in"].revision_line, pins["stand-in"].sha256_line) == (first + 3, first + 4)
    assert (pins["some/model"].revision, pins["some/model"].sha256_line) == (None, first + 5)


@pytest.mark.parametrize("entry, line, message", [
    (f"  - id: stand-in\n    revision: '{REVISION[:-1]}'\n", 2, "revision of 'stand-in' must be a Hub commit"),
    (f"  - id: stand-in\n    revision: '{REVISION.upper()}'\n", 2, "revision .* in lower case"),
    (f"  - id: stand-in\n    sha256: '{'0' * 63}g'\n", 2, "sha256 of 'stand-in' must be 64 hexadecimal digits"),
    ("  - id: stand-in\n    sha: x\n", 2, "unknown key 'sha' in models entry"),
    (f"  - revision: '{REVISION}'\n", 1, "models entry is missing 'id'"),
    ("  - id: [a]\n", 1, "must be a hub id"),
])
def test_bad_pins_are_refused_with_the_line(tmp_path, entry, line, message):
    path, first = write_settings(tmp_path, "  - stand-in-l14\n" + entry)
    with pytest.raises(BuildError, match=message) as error:
        read_settings(path)
    assert str(error.value).startswith(f"{path}:{first + 1 + line}: ")  # after the models: line and stand-in-l14


def test_the_true_digest_builds_and_a_changed_digit_fails_keeping_the_site(small, stand_in, tmp_path_factory):
    content, photos, cache, out = small
    settings = content / "settings.yaml"
    original = settings.read_text(encoding="utf-8")
    line = original.count("\n") + 3  # the sha256 line of the block below
    settings.write_text(original + f"models:\n  - id: stand-in\n    sha256: {stand_in.fingerprint}\n",
                        encoding="utf-8")
    report = small_build(small)  # --model stand-in, the entry's id: its pin applies
    assert report.model.fingerprint == stand_in.fingerprint
    assert read_snapshot((out / "index.html").read_text(encoding="utf-8"))["models"][0]["revision"] is None
    before = {p: p.read_bytes() for p in sorted(out.rglob("index.html"))}

    wrong = changed_digit(stand_in.fingerprint)
    settings.write_text(original + f"models:\n  - id: stand-in\n    sha256: {wrong}\n", encoding="utf-8")
    command = [sys.executable, "build.py", "--out", str(out), "--content", str(content), "--photos", str(photos),
               "--cache", str(cache), "--no-live"]  # no --model: settings.yaml's list
    with cache_lock(tmp_path_factory):
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"build failed: {settings}:{line}: " in done.stderr
    assert f"expected {wrong}" in done.stderr and f"actual   {stand_in.fingerprint}" in done.stderr
    assert {p: p.read_bytes() for p in sorted(out.rglob("index.html"))} == before  # the previous site, intact


def test_a_hub_revision_reaches_the_download(tmp_path, stand_in, monkeypatch, caplog):
    snapshot = tmp_path / "snapshots" / REVISION  # the hub cache's folder of that commit, here a stand-in's copy
    shutil.copytree(stand_in.folder, snapshot, copy_function=link_weights)
    calls = fake_hub(monkeypatch, snapshot)
    path, first = write_settings(tmp_path, f"  - id: openai/clip-vit-base-patch32\n    revision: '{REVISION}'\n"
                                           f"    sha256: {stand_in.fingerprint}\n")
    pin = read_settings(path)["model_pins"]["openai/clip-vit-base-patch32"]
    with caplog.at_level(logging.INFO, logger="explainer"):
        files = resolve_model("openai/clip-vit-base-patch32", tmp_path / "cache", pin)
    # what an author copies into settings.yaml
    assert f"model openai/clip-vit-base-patch32: revision {REVISION}, sha256 {stand_in.fingerprint}" in caplog.text
    assert calls == [("openai/clip-vit-base-patch32", dict(revision=REVISION, allow_patterns=calls[0][1][
        "allow_patterns"], local_files_only=True))]
    assert files.revision == REVISION and files.fingerprint == stand_in.fingerprint
    assert model_entry(files, SimpleNamespace(image_seconds=[0.01]))["revision"] == REVISION

    wrong = read_settings(write_settings(tmp_path, f"  - id: openai/clip-vit-base-patch32\n"
                                                   f"    sha256: {changed_digit(stand_in.fingerprint)}\n")[0])
    with pytest.raises(BuildError, match="do not match the pinned sha256") as error:
        resolve_model("openai/clip-vit-base-patch32", tmp_path / "cache", wrong["model_pins"][
            "openai/clip-vit-base-patch32"])
    assert str(error.value).startswith(f"{path}:{first + 2}: ")
    assert calls[-1][1]["revision"] is None  # unpinned revision: the newest


def test_a_hub_model_without_safetensors_is_converted_once_and_pinned_by_the_hubs_file(tmp_path, stand_in,
                                                                                     monkeypatch, caplog):
    """openai/clip-vit-base-patch32's branches hold its weights as pytorch_model.bin alone: the build fetches that
    when the snapshot has no model.safetensors, fingerprints the file the Hub serves (the digest its page lists, so
    a pin can be checked against it), and converts it once into a model.safetensors that loads as the same model."""
    import hashlib

    import torch
    from safetensors.torch import load_file
    from transformers import CLIPModel, CLIPTokenizer
    snapshot = small_files(stand_in, tmp_path / "snapshots" / REVISION)
    state = load_file(stand_in.folder / "model.safetensors")
    torch.save(state, snapshot / "pytorch_model.bin")
    digest = hashlib.sha256((snapshot / "pytorch_model.bin").read_bytes()).hexdigest()
    assert digest != stand_in.fingerprint
    calls = fake_hub(monkeypatch, snapshot)
    path, _ = write_settings(tmp_path, f"  - id: openai/clip-vit-base-patch32\n    revision: '{REVISION}'\n"
                                       f"    sha256: {digest}\n")
    pin = read_settings(path)["model_pins"]["openai/clip-vit-base-patch32"]
    with caplog.at_level(logging.INFO, logger="explainer"):
        files = resolve_model("openai/clip-vit-base-patch32", tmp_path / "cache", pin)
    assert [kwargs["allow_patterns"] for _, kwargs in calls] == [["*.json", "*.txt", "model.safetensors"],
                                                                 ["pytorch_model.bin"]]
    assert files.fingerprint == digest and files.revision == REVISION
    assert f"revision {REVISION}, sha256 {digest} (pytorch_model.bin)" in caplog.text
    converted = load_file(files.folder / "model.safetensors")
    assert sorted(converted) == sorted(state)
    assert all(torch.equal(converted[key], state[key]) for key in state)
    assert files.logit_scale == stand_in.logit_scale and files.shape == stand_in.shape
    tokens = CLIPTokenizer.from_pretrained(files.folder)(["a photo of a cat"], return_tensors="pt")
    with torch.no_grad():
        vectors = [CLIPModel.from_pretrained(folder).eval().get_text_features(**tokens).pooler_output
                   for folder in (stand_in.folder, files.folder)]
    assert torch.equal(*vectors)

    made = (files.folder / "model.safetensors").stat().st_mtime_ns
    assert resolve_model("openai/clip-vit-base-patch32", tmp_path / "cache", pin).folder == files.folder
    assert (files.folder / "model.safetensors").stat().st_mtime_ns == made  # converted once
    wrong = read_settings(write_settings(tmp_path, "  - id: openai/clip-vit-base-patch32\n"
                                                   f"    sha256: {stand_in.fingerprint}\n")[0])
    with pytest.raises(BuildError, match="do not match the pinned sha256"):  # the converted file's is not the pin
        resolve_model("openai/clip-vit-base-patch32", tmp_path / "cache",
                      wrong["model_pins"]["openai/clip-vit-base-patch32"])


def test_a_damaged_download_is_caught_by_the_hubs_own_sha256(tmp_path, stand_in, monkeypatch):
    """Unpinned too: the Hub cache keeps a large file as blobs/<its sha256>, linked from the snapshot, so weights
    whose bytes do not hash to their blob's name (a cut or damaged download) stop the build naming both digests."""
    import hashlib

    blobs = tmp_path / "hub" / "blobs"
    blobs.mkdir(parents=True)
    snapshot = small_files(stand_in, tmp_path / "hub" / "snapshots" / REVISION)
    data = (stand_in.folder / "model.safetensors").read_bytes()
    true = hashlib.sha256(data).hexdigest()
    fake_hub(monkeypatch, snapshot)

    def served_as(etag, payload):
        for blob in blobs.iterdir():
            blob.unlink()
        (blobs / etag).write_bytes(payload)
        (snapshot / "model.safetensors").unlink(missing_ok=True)
        (snapshot / "model.safetensors").symlink_to(Path("..", "..", "blobs", etag))
        return resolve_model("openai/clip-vit-base-patch32", tmp_path / f"cache-{etag[:4]}-{len(payload)}")

    assert served_as(true, data).fingerprint == true  # whole: builds
    with pytest.raises(BuildError, match="are damaged") as error:
        served_as(true, data[:-1000])  # cut short
    assert true in str(error.value) and hashlib.sha256(data[:-1000]).hexdigest() in str(error.value)


@pytest.mark.parametrize("local", ["folder", "stand-in"])
def test_a_folder_or_stand_in_has_no_revision(tmp_path, stand_in, local):
    name = str(stand_in.folder) if local == "folder" else "stand-in"
    path, first = write_settings(tmp_path, f"  - id: {name}\n    revision: '{REVISION}'\n")
    pin = read_settings(path)["model_pins"][name]
    with pytest.raises(BuildError, match=f"is a {'local folder' if local == 'folder' else 'stand-in'}, which has "
                                         "no revision") as error:
        resolve_model(name, tmp_path / "cache", pin)
    assert str(error.value).startswith(f"{path}:{first + 2}: ")
