"""What a score means (issue 34, section 2): the build's sorted vocabulary cosines per photo and template are the
photo's cosines with every label file's vector (numpy, 4 decimals), at most 20 KB gzipped each; the first paint's
percentiles are the mid-rank rule recomputed by numpy (1e-6); the page follows the photo, the template and a typed
label in Chromium, and fetches no scores file before the figure comes near."""
import gzip
import json

import numpy as np
from browser import Stored, choose_in_bar, decode, show_figures, vocabulary_vectors

PAGE = "numbers.html"  # the deep-dive page "What the numbers mean"
GZIP_BOUND = 20_000  # bytes per photo and template (issue 34, "Speed")


def stored_scores(out, template, photo):
    record = json.loads((out / "data" / "scores" / template / f"{photo}.json").read_text())
    return record, np.cumsum([record["first"], *record["deltas"]])  # the sorted cosines, in units of 1e-4


def mid_rank(sorted_ints, cosine):
    """The percentile rule, written independently: 100 x (below + equal / 2) / n on the 4-decimal grid."""
    k = int(np.floor(cosine * 10_000 + 0.5))  # JavaScript's Math.round
    below = np.searchsorted(sorted_ints, k, side="left")
    equal = np.searchsorted(sorted_ints, k, side="right") - below
    return 100 * (below + equal / 2) / len(sorted_ints)


def test_every_scores_file_is_the_photo_against_the_vocabulary_and_small(site):
    out, _ = site
    stored = Stored(out)
    texts = vocabulary_vectors(out, tuple(stored.template_ids), stored.dim)
    for template in stored.template_ids:
        cosines = stored.images @ texts[template].astype(np.float64).T                     # (P, V)
        for p, photo in enumerate(stored.photo_ids):
            path = out / "data" / "scores" / template / f"{photo}.json"
            assert len(gzip.compress(path.read_bytes())) <= GZIP_BOUND, path
            record, ints = stored_scores(out, template, photo)
            assert (record["photo"], record["template"]) == (photo, template)
            expected = np.sort(np.rint(cosines[p] * 10_000))
            assert len(ints) == len(stored.vocabulary)
            assert np.abs(ints - expected).max() <= 1  # a cosine exactly between two grid steps may round either way
            assert (ints != expected).mean() < 0.001
            centred = np.cumsum([record["centred"]["first"], *record["centred"]["deltas"]])
            expected = np.sort(np.rint(centre_cosines(out, stored, template, stored.images[p], texts[template]) * 1e4))
            assert np.abs(centred - expected).max() <= 1 and (centred != expected).mean() < 0.001
    assert json.loads((out / "data" / "scores" / "photo" / "cat.json").read_text())["baseline_text"] == "a photo of a ."
    assert json.loads((out / "data" / "scores" / "bare" / "cat.json").read_text())["baseline_text"] == ""


def centred(vectors, mean):
    """(n, dim) or (dim,) minus mean, back to unit length, in double: "centre the space" written independently."""
    out = np.asarray(vectors, dtype=np.float64) - mean
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def centre_cosines(out, stored, template, image, texts):
    """The cosines of one photo (dim,) with texts (n, dim) under template, the space centred by the build's means
    as the page decodes them (data/centre.json)."""
    means = json.loads((out / "data" / "centre.json").read_text())
    image_mean = decode(means["image"], stored.dim)[0]
    text_mean = decode(means["text"][template], stored.dim)[0]
    return centred(texts, text_mean) @ centred(image, image_mean)


def read_figure(page):
    return page.evaluate("""() => {
        const root = document.querySelector('[data-testid=score-figure]');
        return { figure: { ...root.dataset },
                 rows: [...root.querySelectorAll('tr[data-label]')].map((tr) => ({ ...tr.dataset })) };
    }""")


def check_rows(shown, stored, photo, template):
    record, ints = stored_scores(stored.out, template, photo)
    assert shown["figure"]["photo"] == photo and shown["figure"]["template"] == template
    assert float(shown["figure"]["baseline"]) == record["baseline"]
    labels = [row["label"] for row in shown["rows"]]
    sims, _, _ = stored.view(photo, template, labels, 1.0)
    for row, cosine in zip(shown["rows"], sims, strict=True):
        assert abs(float(row["cosine"]) - cosine) < 1e-6
        assert abs(float(row["percentile"]) - mid_rank(ints, cosine)) < 1e-6
        assert abs(float(row["aboveBaseline"]) - (cosine - record["baseline"])) < 1e-6
    return labels


def test_the_figure_follows_the_photo_the_template_and_a_typed_label(open_page, server):
    page, watcher = open_page(PAGE)
    stored = server[2]
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.wait_for_timeout(300)
    assert not any("/scores/" in r for r in requests)  # far below: not part of the first view
    first = read_figure(page)  # the build's first paint, before the figure came near
    check_rows(first, stored, first["figure"]["photo"], first["figure"]["template"])
    choose_in_bar(page, photo="coffee", template="blurry")  # a deep-dive page's controls: the control bar
    show_figures(page, "score")
    page.wait_for_function("""() => { const r = document.querySelector('[data-testid=score-figure]');
        return r.dataset.photo === 'coffee' && r.dataset.template === 'blurry'; }""", timeout=10000)
    check_rows(read_figure(page), stored, "coffee", "blurry")
    # a typed label: the label box is the core article's; its link carries the label here
    typed, _ = open_page(f"{PAGE}#photo=coffee&template=blurry&label=cat&label=dog&label=kitten")
    show_figures(typed, "score")
    typed.wait_for_function("""() => !!document.querySelector('[data-testid=score-figure] tr[data-label="kitten"]')""",
                            timeout=10000)
    labels = check_rows(read_figure(typed), stored, "coffee", "blurry")
    assert "kitten" in labels
    assert any("/scores/blurry/coffee.json" in r for r in requests)
    watcher.check()


def test_the_figure_follows_the_centring(open_page, server):
    """Centred (a link's centred=1): each label's cosine, percentile and height above the baseline from the centred
    vectors, placed among the vocabulary's centred cosines the file holds beside the trained ones (1e-6)."""
    stored = server[2]
    page, watcher = open_page(f"{PAGE}#photo=coffee&template=blurry&label=cat&label=dog&label=kitten&centred=1")
    page.wait_for_selector("body[data-centred]", timeout=15000)
    show_figures(page, "score")
    page.wait_for_function("""() => { const r = document.querySelector('[data-testid=score-figure]');
        return !r.dataset.paused && r.dataset.photo === 'coffee' && !!r.querySelector('tr[data-label="kitten"]'); }""",
                           timeout=10000)
    shown = read_figure(page)
    record, _ = stored_scores(stored.out, "blurry", "coffee")
    ints = np.cumsum([record["centred"]["first"], *record["centred"]["deltas"]])
    assert float(shown["figure"]["baseline"]) == record["centred"]["baseline"]
    labels = [row["label"] for row in shown["rows"]]
    image = stored.images[stored.photo_ids.index("coffee")]
    sims = centre_cosines(stored.out, stored, "blurry", image, stored.texts("blurry", labels))
    assert abs(sims - np.array([float(r["cosine"]) for r in shown["rows"]])).max() < 1e-6
    for row, cosine in zip(shown["rows"], sims, strict=True):
        assert abs(float(row["percentile"]) - mid_rank(ints, cosine)) < 1e-6
        assert abs(float(row["aboveBaseline"]) - (cosine - record["centred"]["baseline"])) < 1e-6
    watcher.check()
