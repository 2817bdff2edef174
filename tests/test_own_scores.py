"""What a score means for the reader's own photo (issue 34, section 2): the build's quantised vocabulary vectors
(data/vocab-vectors/<template>.bin, int8 with a float32 scale per vector, and its .json header) are the float32
vectors within the header's stated cosine bounds, recomputed by numpy; the page's rule (rules/scores.js ownScores,
in Node) gives numpy's sorted cosines and percentiles for a vector, as trained and centred; in Chromium, an own photo
added in live mode shows the offer with its size, nothing under data/vocab-vectors is fetched before the click, and
after it each label's percentile is numpy's from the photo's vector (kept in the tab) and the downloaded file."""
import base64
import json
import subprocess
from pathlib import Path

import numpy as np
from browser import Stored, decode, show_figures
from test_live_browser import browser, content, open_site  # noqa: F401  (shared fixtures)
from test_own_photo import follow
from test_scores import centred, mid_rank

ROOT = Path(__file__).resolve().parent.parent
KEY = "clip-explainer-own-photos"  # live/ownkept.js, the tab's kept photos
OWN = "own:1"


def stored_vectors(out, template):
    """(header, scales (V,), values (V, dim) int8, dequantised (V, dim) float64), read independently of the build."""
    header = json.loads((out / "data" / "vocab-vectors" / f"{template}.json").read_text())
    data = (out / "data" / "vocab-vectors" / f"{template}.bin").read_bytes()
    count, dim = header["count"], header["dim"]
    scales = np.frombuffer(data[: 4 * count], dtype="<f4")
    values = np.frombuffer(data[4 * count:], dtype=np.int8).reshape(count, dim)
    return header, scales, values, values.astype(np.float64) * scales.astype(np.float64)[:, None]


def grid(cosines):
    """Cosines on the scores files' 1e-4 grid as JavaScript's Math.round puts them, sorted."""
    return np.sort(np.floor(np.asarray(cosines) * 10_000 + 0.5))


def means(out, stored, template):
    data = json.loads((out / "data" / "centre.json").read_text())
    return decode(data["image"], stored.dim)[0], decode(data["text"][template], stored.dim)[0]


def test_the_quantised_vectors_are_the_float32_ones_within_the_stated_bounds(site, content):  # noqa: F811
    from explainer.cache import Cache
    from explainer.embed import embed
    from explainer.model import resolve_model
    out, _ = site
    stored = Stored(out)
    cache = Cache(ROOT / ".cache")
    embeddings = embed(content, resolve_model("stand-in", cache), cache)  # cached: no model call
    images = embeddings.image.astype(np.float64)                             # (P, dim) float32 vectors
    for t, template in enumerate(stored.template_ids):
        header, scales, values, approx = stored_vectors(out, template)
        path = out / "data" / "vocab-vectors" / f"{template}.bin"
        assert (header["count"], header["dim"]) == (len(stored.vocabulary), stored.dim)
        assert path.stat().st_size == header["bytes"] == header["count"] * (4 + header["dim"])
        exact = embeddings.text[t].astype(np.float64)                        # (V, dim), vocabulary order
        worst = np.abs((approx - exact) @ images.T).max()
        assert worst <= header["max_cosine_error"] + 1e-12 and header["max_cosine_error"] <= worst + 1e-9
        assert worst < 5e-3  # int8 with a scale per vector: a few thousandths at most on unit vectors
        image_mean, text_mean = means(out, stored, template)
        centred_images = centred(images, image_mean)
        worst = np.abs((centred(approx, text_mean) - centred(exact, text_mean)) @ centred_images.T).max()
        assert worst <= header["max_cosine_error_centred"] + 1e-12
        assert header["max_cosine_error_centred"] <= worst + 1e-9
        # the same labels as the label files, in their order: each component within half a step of float16's
        labels = stored.vocabulary[:: max(1, len(stored.vocabulary) // 50)]
        rows = [stored.vocabulary.index(label) for label in labels]
        step = scales[rows].astype(np.float64)[:, None]
        assert (np.abs(approx[rows] - stored.texts(template, labels)) <= step / 2 + 1e-3).all()
        baseline = decode(header["baseline"], stored.dim)[0]
        record = json.loads((out / "data" / "scores" / template / f"{stored.photo_ids[0]}.json").read_text())
        assert abs(baseline @ stored.images[0] - record["baseline"]) < 1e-6  # the scores files' baseline vector
        assert header["baseline_text"] == record["baseline_text"]


def in_node(out, template, tmp_path, image, mean, labels, cosines):
    path = tmp_path / "input.json"
    path.write_text(json.dumps({"image": list(map(float, image)), "mean": mean if mean is None else list(map(float,
                                mean)), "labels": labels, "cosines": list(map(float, cosines))}))
    done = subprocess.run(["node", str(ROOT / "tests" / "ownscores_in_node.mjs"), str(out), template, str(path)],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_the_rule_gives_numpys_percentiles_for_a_vector(site, tmp_path):
    out, _ = site
    stored = Stored(out)
    template = "blurry"
    header, _, _, approx = stored_vectors(out, template)
    baseline = decode(header["baseline"], stored.dim)[0].astype(np.float64)
    rng = np.random.default_rng(34)
    image = (stored.images[2] + 0.05 * rng.standard_normal(stored.dim)).astype(np.float32)  # not a built-in photo
    image /= np.linalg.norm(image)
    labels = ["cat", "dog", "kitten", "coffee"]
    vector = image.astype(np.float64)
    cosines = stored.texts(template, labels) @ vector
    got = in_node(out, template, tmp_path, image, None, labels, cosines)
    expected = grid(approx @ vector)
    assert len(got["sorted"]) == header["count"]
    assert np.abs(np.array(got["sorted"]) - expected).max() <= 1 and (got["sorted"] != expected).sum() <= 1
    assert abs(got["baseline"] - baseline @ vector) < 1e-9
    for percentile, cosine in zip(got["percentiles"], cosines, strict=True):
        assert abs(percentile - mid_rank(expected, cosine)) < 1e-6
    # centred: the photo and each text minus their means (data/centre.json), renormalised
    image_mean, text_mean = means(out, stored, template)
    centred_image = centred(vector, image_mean)
    cosines = centred(stored.texts(template, labels), text_mean) @ centred_image
    got = in_node(out, template, tmp_path, centred_image, text_mean, labels, cosines)
    expected = grid(centred(approx, text_mean) @ centred_image)
    assert np.abs(np.array(got["sorted"]) - expected).max() <= 1 and (got["sorted"] != expected).sum() <= 1
    assert abs(got["baseline"] - centred(baseline, text_mean) @ centred_image) < 1e-9
    for percentile, cosine in zip(got["percentiles"], cosines, strict=True):
        assert abs(percentile - mid_rank(expected, cosine)) < 1e-6


READ = """() => {
    const root = document.querySelector('[data-testid=score-figure]');
    return { figure: { ...root.dataset }, note: document.getElementById('score-own-note').textContent,
             rows: [...root.querySelectorAll('tr[data-label]')].map((tr) => ({ ...tr.dataset })) };
}"""


def check_own(shown, stored, template, image, texts_of, baseline, sorted_ints, bound):
    assert shown["figure"]["photo"] == OWN and shown["figure"]["template"] == template
    assert "paused" not in shown["figure"] and float(shown["figure"]["errorBound"]) == bound
    assert f"at most {bound:.2g} away" in shown["note"]
    assert abs(float(shown["figure"]["baseline"]) - baseline @ image) < 1e-6
    labels = [row["label"] for row in shown["rows"]]
    sims = texts_of(labels) @ image
    for row, cosine in zip(shown["rows"], sims, strict=True):
        assert abs(float(row["cosine"]) - cosine) < 1e-6
        assert abs(float(row["percentile"]) - mid_rank(sorted_ints, cosine)) < 1e-6
        assert abs(float(row["aboveBaseline"]) - (cosine - baseline @ image)) < 1e-6
    return labels


def test_an_own_photo_gets_its_percentiles_after_the_click(site, content, open_site):  # noqa: F811
    out, _ = site
    stored = Stored(out)
    page, watcher = open_site(out)
    before = page.evaluate("document.querySelector('input[name=photo]:checked').value")
    photo = next(p for p in content.photos if p.id != before and p.path.suffix == ".jpg")
    page.set_input_files("[data-testid=own-photo-input]", str(photo.path))
    page.wait_for_selector("input[name=photo][data-own]:checked", timeout=120000)
    page.locator("#own-photo-status", has_text="not sent anywhere").wait_for(timeout=60000)
    kept = json.loads(page.evaluate(f"sessionStorage.getItem('{KEY}')"))[0]
    image = np.frombuffer(base64.b64decode(kept["vector"]), dtype="<f4").astype(np.float64)  # (dim,) as live made it
    follow(page, "numbers.html")
    show_figures(page, "score")
    page.wait_for_selector("[data-testid=score-figure][data-paused=own]", timeout=10000)
    template = page.input_value("#bar-template")
    header, _, _, approx = stored_vectors(out, template)
    button = page.locator("[data-testid=score-own-download]")
    assert button.is_visible() and button.is_enabled()
    assert button.text_content() == ("Download the vocabulary’s vectors for this template "
                                     f"({header['bytes'] / 1e6:.1f} MB)")
    page.wait_for_timeout(300)
    assert not [u for _, u, _ in watcher.requests if "vocab-vectors" in u]  # never before the click
    button.click()
    page.wait_for_function("""() => { const r = document.querySelector('[data-testid=score-figure]');
        return !r.dataset.paused && r.dataset.photo === 'own:1' && !!r.querySelector('tr[data-label]'); }""",
                           timeout=20000)
    baseline = decode(header["baseline"], stored.dim)[0].astype(np.float64)
    check_own(page.evaluate(READ), stored, template, image, lambda labels: stored.texts(template, labels), baseline,
              grid(approx @ image), header["max_cosine_error"])
    assert not button.is_visible()
    fetched = [u for _, u, _ in watcher.requests if "vocab-vectors" in u]
    assert sorted(u.rsplit("/", 1)[1] for u in fetched) == [f"{template}.bin", f"{template}.json"], fetched
    # centred: the same means as the built-in photos' (data/centre.json), the bound the build measured centred
    page.check("[data-testid=centre-switch]")
    page.wait_for_selector("body[data-centred]", timeout=15000)
    page.wait_for_function(f"""() => document.querySelector('[data-testid=score-figure]').dataset.errorBound
        === '{header["max_cosine_error_centred"]}'""", timeout=10000)
    image_mean, text_mean = means(out, stored, template)
    centred_image = centred(image, image_mean)
    check_own(page.evaluate(READ), stored, template, centred_image,
              lambda labels: centred(stored.texts(template, labels), text_mean), centred(baseline, text_mean),
              grid(centred(approx, text_mean) @ centred_image), header["max_cosine_error_centred"])
    assert len([u for _, u, _ in watcher.requests if "vocab-vectors" in u]) == 2  # nothing fetched again
