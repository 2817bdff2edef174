"""Stage 5, render (the page's context): everything the Jinja templates can use, gathered from the content, the
numbers, the charts and the snapshot (page_context), with the first paint's words and numbers asked of the page's
own rules in Node (explainer/views.py PageNumbers): the snapshot's `model` gives the checkpoint's sizes
(`model.dim`, `model.context_length`, `model.image_size`, `model.patch_size`)."""
import json
import re
from importlib import metadata
from pathlib import Path

import numpy as np

from .compute import as_stored, cosines, softmax
from .modelinput import centre_crop_box
from .preview import preview_tags
from .views import PageNumbers

SVG_SIZE_RE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')
PROJECT_ROOT = Path(__file__).resolve().parent.parent  # package.json: the client libraries' pinned versions


def svg_size(svg):
    match = SVG_SIZE_RE.search(svg)
    return (round(float(match.group(1))), round(float(match.group(2)))) if match else (640, 240)


def chart_sizes(charts, narrow=False):
    """{name: (width, height)} of each chart's static SVG (narrow: its narrow SVG, where it has one): the <img>
    that shows it until the live view takes its place reserves the same box, so nothing moves (CLS)."""
    if narrow:
        return {name: svg_size(chart.narrow_svg) for name, chart in charts.items() if chart.narrow_svg}
    return {name: svg_size(chart.svg) for name, chart in charts.items()}


def numbers_shown(default, rows, stats, live, temperatures):
    """What the templates format (PageNumbers): the temperature, the label table, the top label, the pixel
    statistics of "What the model sees", live mode's download sizes."""
    tau = default["tau"]
    asked = [("threeDigits", tau), ("threeDigits", 1 / tau), ("threeDigits", temperatures[0]),
             ("threeDigits", temperatures[-1]), ("percent", default["top_probability"]),
             ("fixed", default["entropy"], 3)]
    asked += [call for row in rows for call in (("fixed", row["similarity"], 4), ("percent", row["probability"]))]
    asked += [("fixed", channel[key], 2) for channel in stats.values() for key in ("mean", "min", "max")]
    asked += [("megabytes", live[key]) for key in ("text_bytes", "vision_bytes")] if live else []
    return asked


def page_context(content, numbers, figures, charts, snapshot, default, seen_stats, view, views, occluded):
    """What the Jinja templates see: the site's settings, the snapshot (its JSON inline) and the default view
    in words and rows, so the page reads right before (and without) JavaScript: its sentences and table cells
    are the page's own (sentences.js, tokenlayout.js, through views). seen_stats: each photo's channel
    statistics from write_model_inputs ("What the model sees"); view: charts.default_rows; occluded: the occlusion
    map's vectors (P, grid * grid, dim), for why_first_paint."""
    p, t, k = default.index
    probs = numbers.probabilities[p, t, k]                        # (n_labels,)
    top = int(np.argmax(probs))
    rows = [dict(label=label, similarity=float(s), probability=float(q))
            for label, s, q in zip(content.default_labels, numbers.similarities[p, t], probs, strict=True)]
    gap = figures.gap
    photo = snapshot["photos"][p]
    words = first_paint_words(content, numbers, figures, charts, snapshot, default, view, views)
    why = why_first_paint(content, numbers, occluded, default, views)  # with the two-label figure's
    shown = dict(tau=snapshot["temperatures"][k], top_probability=float(probs[top]),
                 entropy=float(numbers.entropy[p, t, k]))
    fmt = PageNumbers(views, numbers_shown(shown, rows, seen_stats[photo["id"]], snapshot.get("live"),
                                           snapshot["temperatures"]))
    return dict(fmt=fmt,
        site=content.settings, model=snapshot["model"], photos=snapshot["photos"], templates=content.templates,
        labels=content.default_labels, live=snapshot.get("live"),
        ensemble_size=len(content.ensemble_templates), vocabulary_count=len(content.vocabulary),
        temperatures=snapshot["temperatures"], default=dict(vars(default), rows=rows, tau=snapshot["temperatures"][k],
        top_label=rows[top]["label"], top_probability=float(probs[top]),
        entropy=float(numbers.entropy[p, t, k]), photo_record=snapshot["photos"][p]),
        charts=charts, chart_sizes=chart_sizes(charts), narrow_sizes=chart_sizes(charts, narrow=True),
        narrow_media=views.layout["NARROW_MEDIA"],
        # inside <script>, "</script>" in a label must not end the element
        snapshot_json=json.dumps(snapshot, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c"),
        template_names=dict(zip([template.id for template in content.templates], view["template_names"],
                                strict=True)),
        gap_template=content.templates[t].text, gap_cloud_size=len(gap.cloud_names), **words,
        # Step 1's sentence on the band of cosines: the gap figure's photo-label mean, and each photo's best label
        gap_cosines=dict(photo_label=gap.cosine_between,
                         best_label=float(numbers.similarities[:, t].max(axis=1).mean())),
        seen=dict(stats=seen_stats[photo["id"]], box=centre_crop_box(photo["width"], photo["height"])),
        preview=preview_tags(content.settings),
        why=why, rival=why["rival"], token_example=token_example(snapshot["tokens"]),
        made=how_made(snapshot["model"]), cite_bibtex=page_bibtex(content.settings, snapshot["model"]),
    )


def token_example(tokens):
    """labels.yaml's token_example as the tokens figure shows it: {label, pieces: [(piece, id)]}, or None."""
    example = tokens.get("example")
    if example is None:
        return None
    return dict(label=example["label"], pieces=[(tokens["pieces"][str(i)], i) for i in example["ids"]])


def how_made(model):
    """"How this page was made": the model, the build date, the versions that made and draw the numbers."""
    package = json.loads((PROJECT_ROOT / "package.json").read_text(encoding="utf-8"))
    pins = {**package.get("devDependencies", {}), **package.get("dependencies", {})}
    command = f"python build.py --model {model['name']}" if model["stand_in"] or "/" in model["name"] else None
    return dict(versions=[("torch", metadata.version("torch")), ("transformers", metadata.version("transformers")),
                          ("onnxruntime-web", pins.get("onnxruntime-web", "?")), ("Vega", pins.get("vega", "?"))],
                command=command or "python build.py --model MODEL_FOLDER",
                make_command=f"make build MODEL={model['name']}" if command else None)


def page_bibtex(settings, model):
    """"Cite this page": a BibTeX entry from settings.yaml's `cite:` block (key, author), the title and
    site_url, and the build's year."""
    cite = settings.get("cite") or {}
    fields = [("author", cite.get("author", "The CLIP explainer authors")), ("title", settings["title"]),
              ("year", model["build_time"][:4]), ("howpublished", "Interactive explainer"),
              ("note", f"Built with {model['name']}")]
    if settings.get("site_url"):
        fields.append(("url", settings["site_url"]))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{cite.get('key', 'clip-explainer')},\n{body}\n}}"


def first_paint_words(content, numbers, figures, charts, snapshot, default, view, views):
    """The sentences and table cells the figures write, for the default view, from the page's own
    sentences.js and tokenlayout.js, and the overview figure (overview.js, both layouts) for its top label: two
    round trips (the token notes and the overview read the laid-out tokens)."""
    p, t, k = default.index
    tokens, template, gap, steps = snapshot["tokens"], content.templates[t], figures.gap, view["crowding_steps"]
    top = int(np.argmax(numbers.probabilities[p, t, k]))
    vectors = {name: [row["value"] for row in charts[name].rows] for name in ("image-vector", "text-vector")}
    sentences = {
        "template_verdict": ("templateVerdict", content.default_labels, view["template_names"],
                             numbers.probabilities[p, :, k], t),
        "gap_summary": ("gapSummary", gap.cosine_photos, gap.cosine_labels, gap.cosine_between),
        "matrix_reading": ("matrixReading", [photo["title"] for photo in snapshot["photos"]],
                           # (P, L) in double from the vectors as the page decodes them, as the page computes it
                           numbers.image.astype(np.float64) @ numbers.text[t, numbers.label_index].astype(np.float64).T,
                           "similarity"),
        "gap_cells": ("gapCells", [row for row in charts["gap"].rows if row["kind"] != "vocabulary"]),
        "crowding_summary": ("crowdingSummary", figures.crowding_example["label"], steps),
        "crowding_cells": ("crowdingCells", steps),
        "text_vector_summary": ("vectorSummary", content.default_labels[0],
                                dict(ensemble=template.ensemble, text=template.text), len(content.ensemble_templates)),
        "sweep_summary": ("sweepSummary", snapshot["temperatures"][k], content.default_labels[top],
                          numbers.probabilities[p, t, k, top], numbers.entropy[p, t, k]),
        **{f"{name}_cells": ("vectorCells", vector) for name, vector in vectors.items()},
    }
    parts = None if template.ensemble else tokens["templates"][template.id]
    answers = views.call(*[("sentences", *call) for call in sentences.values()], *[
        ("tokenlayout", "layoutTokens", dict(ids=tokens["labels"][label], parts=parts, special=tokens["special"],
                                             exception=tokens["exceptions"].get(template.id, {}).get(label),
                                             contextLength=tokens["context_length"]))
        for label in content.default_labels])
    words, laid = dict(zip(sentences, answers[:len(sentences)], strict=True)), answers[len(sentences):]
    probs = numbers.probabilities[p, t, k]                                                    # (n_labels,)
    overview = dict(photo=dict(title=snapshot["photos"][p]["title"], thumb=snapshot["photos"][p]["thumb"]),
                    sizes=snapshot["model"], label=content.default_labels[top], count=len(content.default_labels),
                    template=dict(text=template.text, ensemble=template.ensemble),
                    ensembleSize=len(content.ensemble_templates), tokens=laid[top], image=numbers.image[p],
                    text=numbers.text[t, numbers.label_index[top]].astype(np.float32),  # (dim,) each
                    cosine=numbers.similarities[p, t, top], tau=snapshot["temperatures"][k], probability=probs[top])
    *notes, wide, narrow = views.call(*[("sentences", "tokenNote", line, tokens["context_length"],
                                         len(content.ensemble_templates), template.ensemble) for line in laid],
                                      ("overview", "overviewFigure", overview, False),
                                      ("overview", "overviewFigure", overview, True))
    rows = [dict(label=label, reads=reads, cut_note=cut_note,
                 pieces=[(tokens["pieces"][str(token["id"])], token["id"], token["kind"]) for token in line])
            for label, line, (reads, cut_note) in zip(content.default_labels, laid, notes, strict=True)]
    words["vector_cells"] = {name: words.pop(f"{name}_cells") for name in vectors}
    return dict(words, token_rows=dict(context_length=tokens["context_length"], rows=rows),
                overview=dict(wide=wide, narrow=narrow))


def why_first_paint(content, numbers, occluded, default, views):
    """The occlusion map and the dot product of the default photo and its top label, drawn by the page's why.js:
    the map's cells with their colours, legend, sentence and table; the dot product's sentence and first rows;
    under "rival", the two-label figure (the top label against the runner-up) (one round trip)."""
    p, t, k = default.index
    top = int(np.argmax(numbers.probabilities[p, t, k]))
    label = content.default_labels[top]
    image, text = numbers.image[p], numbers.text[t, numbers.label_index[top]].astype(np.float32)  # (dim,) each
    cells_in = as_stored(occluded[p])                                                             # (cells, dim)
    grid = round(len(cells_in) ** 0.5)
    occlusion, dot, rival = views.call(("why", "occlusionView", image, cells_in, grid, text, None, label, None),
                                       ("why", "dotView", image, text, label),
                                       ("why", "rivalFirstPaint", rival_inputs(content, numbers, default, label)
                                        | dict(occluded=cells_in, grid=grid)))
    return dict(occlusion, label=label, grid=grid, dot=dot, rival=rival)


def rival_inputs(content, numbers, default, label):
    """What why.js's rivalFirstPaint needs for the default view: every default label's vector as the page decodes
    it, and the cosines and probabilities in double, as the page computes them."""
    p, t, k = default.index
    tau = float(content.temperatures[k])
    texts = numbers.text[t, numbers.label_index].astype(np.float64)  # (n_labels, dim)
    sims = cosines(texts, numbers.image[p].astype(np.float64))        # (n_labels,)
    return dict(image=numbers.image[p], texts=texts, labels=content.default_labels, label=label, sims=sims,
                probs=softmax(sims, tau), tau=tau)

