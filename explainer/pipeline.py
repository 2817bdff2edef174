"""The build, top to bottom: content and photos in, site/ out. Each step is one module."""
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .charts import crowding_steps, make_charts, template_name
from .check import check_prose_links
from .compute import NEIGHBOURS, compute, crowding, encode_vectors, modality_gap
from .content import read_content
from .embed import embed
from .model import resolve_model
from .render import make_environment, render_page
from .tokens import snapshot_tokens, token_rows, token_table
from .write import ROOT, copy_assets, staging, write_json, write_photos

DIM = 512


@dataclass
class BuildReport:
    model: object     # ModelFiles
    stats: dict       # what reached the model
    seconds: dict     # per step


def build(model, out, content_dir=ROOT / "content", photos_dir=ROOT / "photos", templates_dir=ROOT / "templates",
          cache_dir=ROOT / ".cache", node_modules=ROOT / "node_modules", clip=None, log=print):
    """Build the site into out. Raises BuildError (naming file and line) on bad input."""
    seconds, clock = {}, time.perf_counter()

    def step(name):
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now
        log(f"  {name:<8} {seconds[name]:6.2f} s")

    content = read_content(content_dir, photos_dir)
    step("read")
    model_files = resolve_model(model, Path(cache_dir))
    step("model")
    embeddings = embed(content, model_files, Path(cache_dir), clip=clip)
    step("embed")
    numbers = compute(content, embeddings)
    tokens = token_table(content, model_files, Path(cache_dir))
    step("compute")
    default = default_view(content)
    gap = modality_gap(numbers, content.vocabulary, default["template_index"])
    neighbours = crowding(numbers, content)
    example = crowding_rows(content, numbers, neighbours, default["photo_index"], default["template_index"],
                            content.default_tau_index)
    charts = make_charts(content, numbers, default, cache_dir, gap, example)
    step("charts")
    with staging(out) as site:
        photo_files = write_photos(site / "photos", content.photos)
        snapshot = make_snapshot(content, model_files, embeddings, numbers, charts, photo_files, default)
        snapshot["tokens"] = snapshot_tokens(tokens, content)
        snapshot["crowding_size"] = NEIGHBOURS
        snapshot["gap"] = dict(template=default["template"], mean=encode_vectors(gap[0]),
                               components=encode_vectors(gap[1]), cloud_size=len(gap[2]))
        snapshot["figures"] = "data/figures.json"
        # below the fold: fetched when the reader scrolls near those figures, not with the first view
        write_json(site / "data" / "figures.json", {"crowding": neighbours, "cloud_names": gap[2],
                                                    "cloud_points": encode_vectors(gap[3])})  # (n_cloud, 2)
        env = make_environment(templates_dir)
        context = page_context(content, model_files, numbers, charts, photo_files, snapshot, default, example)
        (site / "index.html").write_text(render_page(env, content, context), encoding="utf-8")
        step("render")
        write_data(site, content, numbers, snapshot, tokens)
        for chart in charts.values():
            (site / "charts").mkdir(exist_ok=True)
            (site / "charts" / f"{chart.name}.svg").write_text(chart.svg, encoding="utf-8")
        copy_assets(Path(templates_dir), site, Path(node_modules))
        check_prose_links(site, content.sections)
        step("write")
    return BuildReport(model_files, embeddings.stats, seconds)


def default_view(content):
    return dict(photo=content.settings["default_photo"], template=content.settings["default_template"],
                photo_index=[p.id for p in content.photos].index(content.settings["default_photo"]),
                template_index=[t.id for t in content.templates].index(content.settings["default_template"]))


def build_time():
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now; shown as a UTC date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%d")


def make_snapshot(content, model_files, embeddings, numbers, charts, photo_files, default):
    """What the page reads at start (inline JSON): small, and everything the first view needs."""
    labels = content.default_labels
    return {
        "model": dict(name=model_files.name, fingerprint=model_files.fingerprint, stand_in=model_files.stand_in,
                      dim=DIM, logit_scale=round(model_files.logit_scale, 6), build_time=build_time()),
        "photos": [dict(id=p.id, title=p.title, alt=p.alt, credit=p.credit, licence=p.licence, source=p.source,
                        embed_ms=round(float(s) * 1000, 1), **photo_files[p.id])
                   for p, s in zip(content.photos, embeddings.image_seconds)],
        "templates": [dict(id=t.id, text=t.text, ensemble=t.ensemble) for t in content.templates],
        "ensemble_size": len(content.ensemble_templates),
        "temperatures": content.temperatures.tolist(),
        "default": dict(photo=default["photo"], template=default["template"], labels=labels,
                        tau_index=content.default_tau_index),
        "vectors": {
            "encoding": "float16 little-endian, base64",
            "image": encode_vectors(numbers.image),  # (n_photos, 512)
            "text": {t.id: encode_vectors(numbers.text[i, numbers.label_index])  # (n_labels, 512) each
                     for i, t in enumerate(content.templates)},
        },
        "vocabulary": dict(count=len(content.vocabulary), labels="data/vocabulary.json",
                           vectors="data/vectors-{template}.json"),
        "charts": {name: chart.vega for name, chart in charts.items()},
    }


def write_data(site, content, numbers, snapshot, tokens):
    """The stored embeddings and numbers as JSON files beside the page."""
    data = site / "data"
    write_json(data / "embeddings.json", {k: snapshot[k] for k in ("model", "photos", "templates", "default",
                                                                     "temperatures", "vectors")})
    write_json(data / "vocabulary.json", {"labels": content.vocabulary, "tokens": tokens["labels"],
                                          "exceptions": tokens["exceptions"], "pieces": tokens["pieces"]})
    for i, template in enumerate(content.templates):
        write_json(data / f"vectors-{template.id}.json",
                   {"template": template.id, "count": len(content.vocabulary), "dim": DIM,
                    "vectors": encode_vectors(numbers.text[i])})  # (n_vocab, 512)
    write_json(data / "grid.json", {
        "photos": [p.id for p in content.photos], "templates": [t.id for t in content.templates],
        "labels": content.default_labels, "temperatures": snapshot["temperatures"],
        "similarities": np.round(numbers.similarities, 7).tolist(),    # (P, T, L)
        "probabilities": np.round(numbers.probabilities, 7).tolist(),  # (P, T, n_tau, L)
        "entropy": np.round(numbers.entropy, 7).tolist(),              # (P, T, n_tau)
    })


def page_context(content, model_files, numbers, charts, photo_files, snapshot, default, example):
    p, t, k = default["photo_index"], default["template_index"], content.default_tau_index
    probs = numbers.probabilities[p, t, k]
    top = int(np.argmax(probs))
    rows = [dict(label=label, similarity=float(s), probability=float(q))
            for label, s, q in zip(content.default_labels, numbers.similarities[p, t], probs)]
    return dict(
        site=content.settings, model=snapshot["model"], photos=snapshot["photos"], templates=content.templates,
        labels=content.default_labels,
        ensemble_size=len(content.ensemble_templates), vocabulary_count=len(content.vocabulary),
        temperatures=snapshot["temperatures"], default=dict(default, rows=rows, tau=snapshot["temperatures"][k],
        tau_index=k, top_label=rows[top]["label"], top_probability=float(probs[top]),
        entropy=float(numbers.entropy[p, t, k]), photo_record=snapshot["photos"][p]),
        charts=charts, snapshot_json=json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c"),  # inside <script>, "</script>" in a label must not end the element
        text_vector_label=content.default_labels[0],
        template_verdict=template_verdict(content, numbers.probabilities[p, :, k], top),
        token_rows=token_rows(snapshot["tokens"], content.default_labels, content.templates[t]),
        gap_template=content.templates[t].text, gap_cloud_size=snapshot["gap"]["cloud_size"],
        gap_summary=gap_summary(numbers, p, t),
        crowding_rows=example,
    )


def template_verdict(content, probs, top):
    """The words under the template comparison: best and worst template for the top label.
    probs: (n_templates, n_labels) for the default photo and temperature."""
    names = [template_name(t, len(content.ensemble_templates)) for t in content.templates]
    best, worst = int(np.argmax(probs[:, top])), int(np.argmin(probs[:, top]))
    return (f"For the top label “{content.default_labels[top]}”, the best template is “{names[best]}” "
            f"({100 * probs[best, top]:.1f}%) and the worst is “{names[worst]}” ({100 * probs[worst, top]:.1f}%): "
            f"a difference of {100 * (probs[best, top] - probs[worst, top]):.1f} percentage points.")


def gap_summary(numbers, p, t):
    """The gap in numbers: mean cosine within photos, within label texts, and between the two."""
    images, texts = numbers.image, numbers.text[t, numbers.label_index].astype(np.float32)
    within = lambda a: float((a @ a.T)[~np.eye(len(a), dtype=bool)].mean())  # noqa: E731
    return (f"Mean cosine between two photos: {within(images):.3f}; between two label texts: {within(texts):.3f}; "
            f"between a photo and a label text: {float((images @ texts.T).mean()):.3f}.")


def crowding_rows(content, numbers, neighbours, p, t, k):
    """The label-crowding example of the default view: add the top label's near-synonyms one at a time.
    Returns the steps as dicts: added label, top label's probability, synonyms' and others' shares."""
    neighbours = neighbours[content.templates[t].id]
    sims = list(numbers.similarities[p, t])
    labels = list(content.default_labels)
    top = int(np.argmax(sims))
    added = [n for n in neighbours[labels[top]] if n[0] not in labels]
    steps = crowding_steps(sims, [(name, s[p]) for name, s in added], content.temperatures[k])
    return dict(label=labels[top], steps=steps)
