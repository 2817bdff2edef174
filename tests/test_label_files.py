"""The per-label files (data/labels/<hash>.json) and the names file, recomputed independently: the
vectors bit for bit, the tokens with the tokenizer, the neighbours with numpy; their sizes; and the cache
that keeps a prose-only rebuild from redoing them."""
import base64
import gzip
import hashlib
import json
import shutil

import numpy as np
import pytest
from browser import vocabulary_tokens, vocabulary_vectors
from conftest import read_snapshot, small_build

from explainer import compute
from explainer.data import label_file_name

KB = 1000


@pytest.fixture(scope="module")
def built(site):
    out, report = site
    snapshot = read_snapshot((out / "index.html").read_text())
    vocabulary = vocabulary_tokens(out)
    return out, report, snapshot, vocabulary


def read_label(out, label):
    return json.loads((out / label_file_name(label)).read_text(encoding="utf-8"))


def test_label_file_name_is_the_first_16_hex_digits_of_sha256():
    for label in ["cat", "crème brûlée", "猫", "a/../b", "x" * 5000, "Ünïcödé 🐈"]:
        digest = hashlib.sha256(label.encode("utf-8")).hexdigest()[:16]
        assert label_file_name(label) == f"data/labels/{digest}.json"


def test_snapshot_names_the_label_files_and_the_old_files_are_gone(built):
    out, _, snapshot, vocabulary = built
    v = snapshot["vocabulary"]
    assert v["count"] == len(vocabulary["labels"])
    assert v["names"] == "data/label-names.json" and v["label_file"] == "data/labels/{hash}.json"
    assert v["hash"] == "sha256-16"
    assert set(v) == {"count", "names", "label_file", "hash"}  # the 8 MB per-template files are retired
    assert not list((out / "data").glob("vectors-*.json")) and not (out / "data" / "vocabulary.json").exists()
    names = json.loads((out / v["names"]).read_text(encoding="utf-8"))
    assert names == vocabulary["labels"]
    files = sorted(p.name for p in (out / "data" / "labels").iterdir())
    assert files == sorted(label_file_name(label).rsplit("/", 1)[1] for label in names)


def test_sizes_within_budget(built):
    out, _, _, _ = built
    names = gzip.compress((out / "data" / "label-names.json").read_bytes(), 9)
    assert len(names) <= 100 * KB
    largest = max(len(gzip.compress(p.read_bytes(), 9)) for p in (out / "data" / "labels").iterdir())
    assert largest <= 12 * KB, largest


def decode(text, dim):
    return np.frombuffer(base64.b64decode(text), dtype="<f2").reshape(-1, dim)


def sample_labels(snapshot, vocabulary):
    """Default labels, labels with a token exception, and a few spread through the vocabulary."""
    labels = vocabulary["labels"]
    with_exception = [labels[int(i)] for e in vocabulary["exceptions"].values() for i in list(e)[:2]]
    return list(dict.fromkeys(snapshot["default"]["labels"] + with_exception + labels[::1499] + [labels[-1]]))


def check_label_files(out, model_folder, samples):
    """Each sample label's file against the snapshot's vectors (default labels), the tokenizer, and numpy
    over every label file (the nearest labels). Returns how many of them had a token exception."""
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(str(model_folder / "tokenizer.json"))
    snapshot = read_snapshot((out / "index.html").read_text())
    vocabulary = vocabulary_tokens(out)
    dim, labels = snapshot["model"]["dim"], vocabulary["labels"]
    index = {label: i for i, label in enumerate(labels)}
    templates = [t["id"] for t in snapshot["templates"]]
    text = vocabulary_vectors(out, tuple(templates), dim)                             # {template: (V, dim)}
    images = decode(snapshot["vectors"]["image"], dim).astype(np.float64)            # (P, dim)
    with_exceptions = 0
    for label in samples:
        i = index[label]
        record = read_label(out, label)
        assert record["label"] == label
        vectors = decode(record["vectors"], dim)                                      # (T, dim)
        assert vectors.shape == (len(templates), dim)
        defaults = snapshot["default"]["labels"]
        for t, template in enumerate(templates):  # the snapshot's template order; defaults bit for bit
            if label in defaults:
                inline = decode(snapshot["vectors"]["text"][template], dim)[defaults.index(label)]
                assert vectors[t].astype("<f2").tobytes() == inline.astype("<f2").tobytes()
            assert abs(np.linalg.norm(vectors[t].astype(np.float64)) - 1) < 5e-3  # unit vectors in float16
        ids = tokenizer.encode(label, add_special_tokens=False).ids
        assert record["tokens"] == ids
        assert {int(k): v for k, v in record["pieces"].items()} == {j: tokenizer.id_to_token(j) for j in
                                                                    set(ids).union(*record["exceptions"].values())}
        expected_exceptions = {t: e[str(i)] for t, e in vocabulary["exceptions"].items() if str(i) in e}
        assert record["exceptions"] == expected_exceptions
        with_exceptions += bool(expected_exceptions)
        for template, full in expected_exceptions.items():
            fill = next(x["text"] for x in snapshot["templates"] if x["id"] == template).replace("{label}", label)
            assert full == tokenizer.encode(fill, add_special_tokens=False).ids
        assert list(record["neighbours"]) == templates
        for template, rows in record["neighbours"].items():
            vocab = text[template].astype(np.float64)                                 # (V, dim)
            closeness = vocab @ vocab[i]
            closeness[i] = -np.inf
            nearest = np.argsort(-closeness, kind="stable")[:snapshot["crowding_size"]]
            assert len(rows) == len(nearest)
            for (name, cosines), j in zip(rows, nearest, strict=True):
                # the same label, or a tie within float32 rounding of the build's products
                assert name == labels[j] or abs(closeness[index[name]] - closeness[j]) < 1e-6, (label, name)
                np.testing.assert_allclose(cosines, images @ vocab[index[name]], atol=5.1e-5)  # 4 decimals
    return with_exceptions


def test_a_few_label_files_recomputed_independently(built):
    out, report, snapshot, vocabulary = built
    check_label_files(out, report.model.folder, sample_labels(snapshot, vocabulary))


def test_label_files_with_token_exceptions(small):
    """Labels that end in punctuation join the template's "." into other pieces: their full ids travel along."""
    content, _, _, out = small
    with open(content / "vocabulary.txt", "a") as f:
        f.write("Mr.\nrock 'n' roll!\n")
    report = small_build(small)
    snapshot = read_snapshot((out / "index.html").read_text())
    vocabulary = vocabulary_tokens(out)
    assert check_label_files(out, report.model.folder, sample_labels(snapshot, vocabulary) + ["Mr."]) >= 1
    assert read_label(out, "Mr.")["exceptions"]


def test_default_labels_neighbours_are_the_crowding_figure_data(built):
    out, _, snapshot, _ = built
    crowding = json.loads((out / "data" / "figures.json").read_text())["crowding"]
    for label in snapshot["default"]["labels"]:
        record = read_label(out, label)
        for template, rows in record["neighbours"].items():
            assert rows == crowding[template][label]


def vocabulary_lines(content):
    return [w for w in (content / "vocabulary.txt").read_text().splitlines() if w and not w.startswith("#")]


def test_adding_labels_extends_the_cached_neighbours_exactly(small, tmp_path, monkeypatch):
    """A vocabulary that only grew reuses the cached neighbour tables; the result equals a fresh build's."""
    content, photos, cache, out = small
    small_build(small)
    tables = set((cache / "neighbours").glob("*/*.npz"))
    with open(content / "vocabulary.txt", "a") as f:
        f.write("lynx\nbobcat\nsnow leopard\n")
    with monkeypatch.context() as patch:  # no (V, V) product: only the added labels' rows are computed
        patch.setattr(compute, "nearest_rows", lambda *args: pytest.fail("recomputed every neighbour"))
        small_build(small)
    assert len(set((cache / "neighbours").glob("*/*.npz")) - tables) == 7  # one new table per template
    fresh_cache = tmp_path / "fresh-cache"
    shutil.copytree(cache, fresh_cache, ignore=shutil.ignore_patterns("neighbours", "label-files"))
    fresh_out = tmp_path / "fresh-site"
    small_build((content, photos, fresh_cache, fresh_out))
    for label in vocabulary_lines(content):
        assert read_label(out, label) == read_label(fresh_out, label), label


def test_prose_only_rebuild_reuses_every_label_file(small):
    content, _, cache, out = small
    small_build(small)
    store = set((cache / "label-files").iterdir())
    tables = set((cache / "neighbours").glob("*/*.npz"))
    prose = content / "sections" / "00-prelude.md"
    prose.write_text(prose.read_text() + "\nOne more sentence.\n")
    small_build(small)
    assert set((cache / "label-files").iterdir()) == store
    assert set((cache / "neighbours").glob("*/*.npz")) == tables and len(tables) == 7
    assert len(list((out / "data" / "labels").iterdir())) == len(vocabulary_lines(content))
    assert "One more sentence." in (out / "index.html").read_text()


def test_a_rebuild_after_removing_a_label_drops_its_file_and_fixes_its_neighbours(small, tmp_path):
    content, photos, cache, out = small
    small_build(small)
    labels = vocabulary_lines(content)
    # the last three (kitten and tabby cat, which a link adds, and labels.yaml's token_example) must stay
    gone = labels[-4]  # (conftest.make_small_inputs)
    labels = [label for label in labels if label != gone] + [gone]
    (content / "vocabulary.txt").write_text("\n".join(labels[:-1]) + "\n")
    small_build(small)  # reuses the previous site's folder and replaces only what changed
    assert not (out / label_file_name(gone)).exists()
    fresh = tmp_path / "fresh"
    small_build((content, photos, cache, fresh))  # a new output folder: every file linked afresh
    names = sorted(p.name for p in (out / "data" / "labels").iterdir())
    assert names == sorted(p.name for p in (fresh / "data" / "labels").iterdir()) and len(names) == len(labels) - 1
    for name in names:
        assert (out / "data" / "labels" / name).read_bytes() == (fresh / "data" / "labels" / name).read_bytes()
    assert all(gone not in json.dumps(read_label(out, label)["neighbours"]) for label in labels[:-1])
