"""The embedding cache: a second build makes no model calls; a change embeds only what changed."""
import numpy as np
from conftest import small_build


def test_second_build_makes_zero_model_calls(small):
    first = small_build(small)
    n_vocab = 42
    # 6 plain templates x vocabulary + the ensemble's 4 templates x vocabulary, and the 6 photos; the deep dive's
    # texts (embed.extra_plans): the 6 photos' alt texts, each plain template and each ensemble template emptied
    assert first.stats["texts_embedded"] == 6 * n_vocab + 4 * n_vocab + 6 + 6 + 4
    assert first.stats["images_embedded"] == 6
    assert first.stats["occluded_embedded"] == 6 * 7 * 7  # the occlusion map: each photo with each cell hidden
    second = small_build(small)
    assert second.stats == dict(forward_passes=0, texts_embedded=0, images_embedded=0, occluded_embedded=0)


def test_changing_one_template_embeds_only_its_texts(small):
    small_build(small)
    content = small[0]
    path = content / "templates.yaml"
    path.write_text(path.read_text().replace('"a drawing of a {label}."', '"a pencil drawing of a {label}."'))
    report = small_build(small)
    assert report.stats["texts_embedded"] == 42 + 1  # and the template emptied (the score figure's baseline)
    assert report.stats["images_embedded"] == 0


def test_adding_one_vocabulary_label_embeds_it_under_every_template(small):
    small_build(small)
    content = small[0]
    with open(content / "vocabulary.txt", "a") as f:
        f.write("zebra\n")
    report = small_build(small)
    assert report.stats["texts_embedded"] == 6 + 4  # six templates and the ensemble's four
    assert report.stats["images_embedded"] == 0


def test_batched_embedding_equals_one_text_at_a_time(stand_in):
    """Padding per batch (not to 77) must not change any vector."""
    from explainer.embed import Clip
    clip = Clip(stand_in.folder)
    texts = ["a photo of a cat.", "itap of a great white shark.", "dog",
             "a photo of the small sulphur-crested cockatoo."]
    batched, _ = clip.embed_texts(texts)
    one_by_one = np.concatenate([clip.embed_texts([t])[0] for t in texts])
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)


def test_ensemble_is_the_normalised_mean_of_template_vectors(stand_in, tmp_path):
    from explainer.cache import EmbeddingCache
    from explainer.embed import Clip, EnsemblePlan
    clip = Clip(stand_in.folder)
    templates = ["a photo of a {label}.", "a drawing of a {label}.", "itap of a {label}."]
    cache = EmbeddingCache(tmp_path)
    got = EnsemblePlan(templates, ["cat", "rocket"], cache).run(cache, clip, progress=None)
    for row, label in zip(got, ["cat", "rocket"], strict=True):
        vectors, _ = clip.embed_texts([t.replace("{label}", label) for t in templates])
        mean = vectors.mean(axis=0)
        np.testing.assert_allclose(row, mean / np.linalg.norm(mean), atol=1e-6)


def test_corrupt_or_partial_cache_costs_a_recompute_not_a_crash(small):
    small_build(small)
    cache = small[2] / "embeddings"
    shard = next(cache.glob("*/shard-*.npz"))
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])  # as if the disk filled up
    (shard.parent / "shard-deadbeef.tmp").write_bytes(b"half a shard from a killed build")
    report = small_build(small)
    assert report.stats["texts_embedded"] > 0
    again = small_build(small)
    assert again.stats["texts_embedded"] == 0


def test_a_killed_build_leaves_a_usable_cache_and_site(small):
    """Kill a cold build in the middle of embedding; the next build completes and the one after is free."""
    import signal
    import subprocess
    import sys
    import time

    from conftest import ROOT
    content, photos, cache, out = small
    with open(content / "ensemble-templates.txt", "a") as f:  # a longer ensemble: more time to be killed in
        f.write("\n".join(f"a photo number {i} of a {{label}}." for i in range(60)) + "\n")
    command = [sys.executable, str(ROOT / "build.py"), "--model", "stand-in", "--out", str(out),
               "--content", str(content), "--photos", str(photos), "--cache", str(cache), "--no-live"]
    proc = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    for _ in range(600):  # bounded: at most 60 s to reach the embedding step
        line = proc.stderr.readline()
        if "model" in line or proc.poll() is not None:
            break
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert not out.exists()
    report = small_build(small)
    assert report.stats["texts_embedded"] > 0 and (out / "index.html").exists()
    assert small_build(small).stats["texts_embedded"] == 0
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".site.")] == []


# ---- the cache helper every cached step uses (explainer/cache.py) -----------------------------------

def test_a_crash_mid_write_leaves_the_old_entry_and_no_partial_one(tmp_path):
    import pytest

    from explainer.cache import write_atomic
    path = tmp_path / "kind" / "entry.json"
    write_atomic(path, '{"old": true}')

    def half_then_crash(tmp):
        tmp.write_text('{"new": tr')  # half an entry
        raise RuntimeError("killed mid-write")
    with pytest.raises(RuntimeError):
        write_atomic(path, half_then_crash)
    assert path.read_text() == '{"old": true}'
    assert sorted(p.name for p in path.parent.iterdir()) == ["entry.json"]  # no temporary file left
    with pytest.raises(RuntimeError):
        write_atomic(tmp_path / "kind" / "fresh.json", half_then_crash)
    assert not (tmp_path / "kind" / "fresh.json").exists()


def test_a_killed_writer_leaves_no_entry_and_the_memo_computes_it(tmp_path):
    """SIGKILL while the entry is half written (no finally runs): only a temporary name is left behind."""
    import signal
    import subprocess
    import sys

    from conftest import ROOT

    from explainer.cache import Cache
    script = ("import sys, time; sys.path.insert(0, sys.argv[1]); from explainer.cache import write_atomic\n"
              "def slow(tmp):\n    f = open(tmp, 'w'); f.write('[1, 2,'); f.flush(); print('half', flush=True)\n"
              "    time.sleep(60)\n"
              "write_atomic(sys.argv[2], slow)\n")
    path = tmp_path / "numbers" / "key.json"
    proc = subprocess.Popen([sys.executable, "-c", script, str(ROOT), str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "half"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert not path.exists() and len(list(path.parent.iterdir())) == 1  # the temporary file only
    calls = []
    value = Cache(tmp_path).memo("numbers", "key.json", lambda: calls.append(1) or [1, 2, 3])
    assert value == [1, 2, 3] and calls == [1]


def test_the_keyed_memo_computes_on_a_miss_only(tmp_path):
    from explainer.cache import Cache
    cache = Cache(tmp_path)
    calls = []

    def compute(value):
        return lambda: calls.append(value) or {"value": value}
    assert cache.memo("kind", "a.json", compute("a")) == {"value": "a"}  # miss
    assert cache.memo("kind", "a.json", compute("other")) == {"value": "a"}  # hit: the stored value
    assert cache.memo("kind", "b.json", compute("b")) == {"value": "b"}  # another key: a miss
    assert calls == ["a", "b"]
    (tmp_path / "kind" / "a.json").write_text('{"value": ')  # damaged (a disk that filled up)
    assert cache.memo("kind", "a.json", compute("again")) == {"value": "again"}
    assert calls == ["a", "b", "again"]
    assert json_of(tmp_path / "kind" / "a.json") == {"value": "again"}


def test_a_miss_returns_what_a_hit_would_read(tmp_path):
    """Cold and warm builds go on from the same bytes: a tuple computed comes back as the list stored."""
    from explainer.cache import Cache
    cache = Cache(tmp_path)
    cold = cache.memo("kind", "k.json", lambda: {"pair": (1, 2)})
    warm = cache.memo("kind", "k.json", lambda: {"pair": (3, 4)})
    assert cold == warm == {"pair": [1, 2]}


def test_a_folder_entry_counts_only_once_its_last_file_is_there(tmp_path):
    from explainer.cache import Cache
    cache = Cache(tmp_path)
    half = tmp_path / "photos" / "key"
    half.mkdir(parents=True)
    (half / "1.jpg").write_text("left by a build from before entries were renamed whole")
    filled = []

    def fill(folder):
        filled.append(folder.name)
        (folder / "1.jpg").write_text("encoded")
        (folder / "done").write_text("")
    entry = cache.folder_memo("photos", "key", fill, last="done")
    assert entry == half and (entry / "1.jpg").read_text() == "encoded" and len(filled) == 1
    assert filled[0] != "key"  # written under a temporary name, then renamed
    assert cache.folder_memo("photos", "key", fill, last="done") == half and len(filled) == 1


def test_the_file_memo_reads_a_file_once_per_size_and_mtime(tmp_path):
    import os

    from explainer.cache import Cache
    cache = Cache(tmp_path / "cache")
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"12345")
    reads = []

    def size(path):
        reads.append(path)
        return len(path.read_bytes())
    assert cache.by_file("memo.json", weights, size) == 5
    assert cache.by_file("memo.json", weights, size) == 5 and len(reads) == 1
    weights.write_bytes(b"1234567")
    os.utime(weights, ns=(1, 1))
    assert cache.by_file("memo.json", weights, size) == 7 and len(reads) == 2
    assert len(json_of(tmp_path / "cache" / "memo.json")) == 2  # one entry per (path, size, mtime)


def test_only_the_helper_renames_cache_entries_into_place():
    """One implementation of the atomic write: no other module writes a temporary file and renames it."""
    from conftest import ROOT
    explainer = ROOT / "explainer"
    renames = {str(path.relative_to(explainer)): path.read_text().count("os.replace(")
               for path in explainer.rglob("*.py")}
    # besides the helper: write.staging() swaps the whole site (two renames where no one-step exchange exists)
    assert {name: n for name, n in renames.items() if n} == {"cache.py": 1, "write.py": 2}


def json_of(path):
    import json
    return json.loads(path.read_text())
