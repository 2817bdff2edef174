"""The embedding cache: a second build makes no model calls; a change embeds only what changed."""
import numpy as np

from conftest import small_build


def test_second_build_makes_zero_model_calls(small):
    first = small_build(small)
    n_vocab = 42
    # 6 plain templates x vocabulary + the ensemble's 4 templates x vocabulary, and the 6 photos
    assert first.stats["texts_embedded"] == 6 * n_vocab + 4 * n_vocab
    assert first.stats["images_embedded"] == 6
    second = small_build(small)
    assert second.stats == dict(forward_passes=0, texts_embedded=0, images_embedded=0)


def test_changing_one_template_embeds_only_its_texts(small):
    small_build(small)
    content = small[0]
    path = content / "templates.yaml"
    path.write_text(path.read_text().replace('"a drawing of a {label}."', '"a pencil drawing of a {label}."'))
    report = small_build(small)
    assert report.stats["texts_embedded"] == 42
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
    texts = ["a photo of a cat.", "itap of a great white shark.", "dog", "a photo of the small sulphur-crested cockatoo."]
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
    for row, label in zip(got, ["cat", "rocket"]):
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
