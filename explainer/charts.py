"""Stage 4, charts: Altair builds each Vega-Lite spec, vl-convert compiles it to Vega for the page's
runtime and renders a static SVG of the default view for readers without JavaScript.

Every chart reads one named dataset, "values"; the page swaps its rows when the reader changes a control.
Compiled charts are cached by their inputs (and this file's source), so a rebuild whose charts did not
change skips Altair and vl-convert entirely, including importing them.
"""
import hashlib
import importlib.metadata
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

STATIC_WIDTH = 640   # the SVG fallback's width; the live charts fill their container
LABEL_COLOURS = "tableau10"  # the same label has the same colour in every chart (data order = label order)


@dataclass
class Chart:
    name: str
    vega: dict    # compiled Vega spec, its "values" emptied: the page fills them
    svg: str      # the default view, rendered at build time
    rows: list    # the default view's data (for tables and tests)


def vector_chart(rows, title):
    """One bar per dimension (512 for ViT-B/32, 768 for ViT-L/14): how a CLIP embedding looks from the inside."""
    import altair as alt
    dim = len(rows)
    return alt.Chart(alt.Data(name="values", values=rows), title=title).mark_bar(width=1).encode(
        x=alt.X("dim:Q", title="dimension", scale=alt.Scale(domain=[0, dim - 1], nice=False),
                axis=alt.Axis(values=[*range(0, dim - dim // 16, max(dim // 8, 1)), dim - 1])),
        y=alt.Y("value:Q", title="value"),
        color=alt.condition("datum.value >= 0", alt.value("#3867d6"), alt.value("#e1703a")),
        tooltip=[alt.Tooltip("dim:Q", title="dimension"), alt.Tooltip("value:Q", title="value", format=".4f")],
    ).properties(height=150)


def label_bar_chart(rows, field, title, domain=None):
    """One horizontal bar per candidate label, in the reader's order, coloured by label."""
    import altair as alt
    x_scale = alt.Scale(domain=domain) if domain else alt.Scale(zero=True)
    fmt = ".4f" if field == "similarity" else ".1%"
    axis = alt.Axis(format=".0%" if field == "probability" else ".2f", tickCount=5)
    in_order = alt.EncodingSortField("order", op="min")  # the reader's order, also after reordering
    base = alt.Chart(alt.Data(name="values", values=rows), title=title).encode(
        y=alt.Y("label:N", sort=in_order, title=None),
        x=alt.X(f"{field}:Q", title=field, scale=x_scale, axis=axis),
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("similarity:Q", format=".4f"),
                 alt.Tooltip("probability:Q", format=".2%")],
    )
    bars = base.mark_bar().encode(
        color=alt.Color("label:N", sort=in_order, legend=None, scale=alt.Scale(scheme=LABEL_COLOURS)))
    text = base.mark_text(align="left", dx=4).encode(text=alt.Text(f"{field}:Q", format=fmt))
    return (bars + text).properties(height=alt.Step(22))


def heatmap(rows, title, x, y, scheme, dark, tooltip, highlight=False):
    """Cells coloured by `value`, each with its `shown` text; `dark` is the test for white text."""
    import altair as alt
    base = alt.Chart(alt.Data(name="values", values=rows), title=title).encode(x=x, y=y, tooltip=tooltip)
    cells = base.mark_rect(stroke="white").encode(color=alt.Color("value:Q", legend=None, scale=scheme))
    if highlight:  # the row of the chosen photo
        cells = cells.encode(strokeWidth=alt.condition("datum.current", alt.value(3), alt.value(0.5)),
                             stroke=alt.condition("datum.current", alt.value("#ff9f1c"), alt.value("white")))
    text = base.mark_text(fontSize=10).encode(
        text="shown:N", color=alt.condition(dark, alt.value("white"), alt.value("#1d2330")),
        opacity=alt.condition("bandwidth('x') >= 34", alt.value(1), alt.value(0)))  # no text in narrow cells
    return cells + text


def matrix_chart(rows):
    """Photos x labels heatmap, as in OpenAI's CLIP notebook: one cell per (photo, label)."""
    import altair as alt
    return heatmap(
        rows, "Every photo against every label",
        x=alt.X("label:N", sort=alt.EncodingSortField("order", op="min"), title=None,
                axis=alt.Axis(labelAngle=-40, labelLimit=120)),
        y=alt.Y("photo:N", sort=alt.EncodingSortField("photo_order", op="min"), title=None),
        scheme=alt.Scale(scheme="blues"), dark="datum.dark", highlight=True,
        tooltip=[alt.Tooltip("photo:N"), alt.Tooltip("label:N"), alt.Tooltip("shown:N", title="value")],
    ).properties(height=alt.Step(30), width=alt.Step(58))


def sweep_chart(rows):
    """Each label's probability, and the normalised entropy, as the temperature sweeps its grid."""
    import altair as alt
    data = alt.Data(name="values", values=rows)
    x = alt.X("tau:Q", title="temperature τ (log scale)", scale=alt.Scale(type="log", nice=False),
              axis=alt.Axis(format="~g", values=[0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1]))
    lines = alt.Chart(data).transform_filter("datum.kind == 'label'").mark_line().encode(
        x=x, y=alt.Y("value:Q", title="probability", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("label:N", sort=alt.EncodingSortField("order", op="min"), legend=alt.Legend(title=None),
                        scale=alt.Scale(scheme=LABEL_COLOURS)),
        detail="label:N",
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("tau:Q", format=".3g"), alt.Tooltip("value:Q", format=".1%")])
    entropy = alt.Chart(data).transform_filter("datum.kind == 'entropy'").mark_line(
        strokeDash=[5, 3], color="#1d2330").encode(
        x=x, y="value:Q", tooltip=[alt.Tooltip("tau:Q", format=".3g"), alt.Tooltip("value:Q", title="entropy / ln n",
                                                                                     format=".2f")])
    current = alt.Chart(data).transform_filter("datum.kind == 'current'").mark_rule(
        color="#ff9f1c", strokeWidth=3).encode(x=x)
    return (lines + entropy + current).properties(
        height=220, title="Probability of each label as τ changes (dashed: entropy / ln n)")


def template_chart(rows):
    """Labels x templates heatmap of the current photo's probabilities: swap templates at a glance."""
    import altair as alt
    return heatmap(
        rows, "Probability under each template",
        x=alt.X("template:N", sort=alt.EncodingSortField("template_order", op="min"), title=None,
                axis=alt.Axis(labelAngle=-30, labelLimit=160)),
        y=alt.Y("label:N", sort=alt.EncodingSortField("order", op="min"), title=None),
        scheme=alt.Scale(scheme="oranges", domain=[0, 1]), dark="datum.value > 0.55",
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("template:N"), alt.Tooltip("shown:N", title="probability")],
    ).properties(height=alt.Step(24))


def gap_chart(rows):
    """Photos and label texts in the plane of their two main directions: the modality gap."""
    import altair as alt
    data = alt.Data(name="values", values=rows)
    x = alt.X("x:Q", title="first principal direction", axis=alt.Axis(labels=False, ticks=False))
    y = alt.Y("y:Q", title="second principal direction", axis=alt.Axis(labels=False, ticks=False))
    tooltip = [alt.Tooltip("name:N"), alt.Tooltip("kind:N")]
    cloud = alt.Chart(data).transform_filter("datum.kind == 'vocabulary'").mark_circle(
        size=12, color="#9aa0ab", opacity=0.35).encode(x=x, y=y, tooltip=tooltip)
    images = alt.Chart(data).transform_filter("datum.kind == 'photo'").mark_square(
        size=110, color="#1d2330").encode(x=x, y=y, tooltip=tooltip)
    image_names = alt.Chart(data).transform_filter("datum.kind == 'photo'").mark_text(
        align="left", dx=8, fontSize=10, color="#1d2330").encode(x=x, y=y, text="name:N")
    labels = alt.Chart(data).transform_filter("datum.kind == 'label'").mark_circle(size=90, opacity=1).encode(
        x=x, y=y, tooltip=tooltip, color=alt.Color("name:N", sort=alt.EncodingSortField("order", op="min"),
                                                   legend=None, scale=alt.Scale(scheme=LABEL_COLOURS)))
    label_names = alt.Chart(data).transform_filter("datum.kind == 'label'").mark_text(
        align="left", dx=7, fontSize=10).encode(x=x, y=y, text="name:N")
    return (cloud + images + image_names + labels + label_names).properties(
        height=320, title="Photos (squares) and label texts (dots) in one plane")


def crowding_chart(rows):
    """Stacked bars, one per step: how the top label's share shrinks as near-synonyms are added."""
    import altair as alt
    return alt.Chart(alt.Data(name="values", values=rows), title="Probability, as near-synonyms are added").mark_bar().encode(
        y=alt.Y("step:N", sort=alt.EncodingSortField("step_order", op="min"), title=None),
        x=alt.X("value:Q", stack="zero", title="probability", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format=".0%")),
        color=alt.Color("part:N", sort=["top label", "near-synonyms", "other labels"],
                        scale=alt.Scale(domain=["top label", "near-synonyms", "other labels"],
                                        range=["#3867d6", "#e1703a", "#c9c5bb"]),
                        legend=alt.Legend(title=None, orient="bottom")),
        order=alt.Order("part_order:Q"),
        tooltip=[alt.Tooltip("step:N"), alt.Tooltip("part:N"), alt.Tooltip("value:Q", format=".1%")],
    ).properties(height=alt.Step(24))


def crowding_chart_rows(example):
    """The crowding example's steps as chart rows (three parts per step)."""
    rows = []
    for n, step in enumerate(example["steps"]):
        name = f"+ {step['added']}" if step["added"] else f"{example['label']} alone"
        for order, (part, key) in enumerate((("top label", "top"), ("near-synonyms", "synonyms"),
                                              ("other labels", "others"))):
            rows.append({"step": name, "step_order": n, "part": part, "part_order": order,
                         "value": round(max(step[key], 0.0), 6)})
    return rows


CHART_KINDS = {
    "image-vector": lambda rows: vector_chart(rows, f"Image embedding, {len(rows)} dimensions"),
    "text-vector": lambda rows: vector_chart(rows, "First label's text embedding"),
    "similarities": lambda rows: label_bar_chart(rows, "similarity", "Cosine similarity"),
    "probabilities": lambda rows: label_bar_chart(rows, "probability", "Probability", [0, 1]),
    "matrix": matrix_chart,
    "sweep": sweep_chart,
    "templates": template_chart,
    "gap": gap_chart,
    "crowding": crowding_chart,
}


def chart_key(name, rows):
    """What a compiled chart depends on: its data, this file, and the versions of Altair and vl-convert."""
    versions = [importlib.metadata.version(p) for p in ("altair", "vl-convert-python")]
    source = Path(__file__).read_bytes()
    payload = json.dumps([name, rows, versions], sort_keys=True).encode() + source
    return hashlib.sha256(payload).hexdigest()[:32]


def compile_chart(name, rows, cache_dir):
    """rows -> Chart: the Vega spec for the page and the SVG of this view, from the cache when possible."""
    path = Path(cache_dir) / "charts" / f"{chart_key(name, rows)}.json"
    try:
        cached = json.loads(path.read_text())
        return Chart(name, cached["vega"], cached["svg"], rows)
    except (OSError, ValueError, KeyError):
        pass
    import vl_convert
    chart = CHART_KINDS[name](rows)
    spec = chart.properties(width="container").to_dict(validate=False)  # vl-convert validates when compiling
    vega = vl_convert.vegalite_to_vega(spec)
    for dataset in vega["data"]:
        if dataset.get("name") == "values":
            dataset["values"] = []  # the page supplies the rows; the spec stays small
    svg = vl_convert.vegalite_to_svg(chart.properties(width=STATIC_WIDTH).to_dict(validate=False))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"vega": vega, "svg": svg}))
    os.replace(tmp, path)
    return Chart(name, vega, svg, rows)


def vector_rows(vector):
    return [{"dim": i, "value": round(float(v), 6)} for i, v in enumerate(vector)]


def label_rows(labels, sims, probs):
    return [{"label": label, "order": i, "similarity": round(float(s), 6), "probability": round(float(p), 6)}
            for i, (label, s, p) in enumerate(zip(labels, sims, probs))]


def matrix_rows(content, sims, current):
    """sims: (n_photos, n_labels) -> one row per cell, as the page also builds them."""
    lo, hi = float(sims.min()), float(sims.max())
    return [{"photo": photo.title, "photo_order": p, "label": label, "order": i, "value": round(float(v), 6),
             "shown": f"{v:.3f}", "current": p == current, "dark": bool(v - lo > 0.6 * (hi - lo))}
            for p, photo in enumerate(content.photos)
            for i, (label, v) in enumerate(zip(content.default_labels, sims[p]))]


def sweep_rows(labels, temperatures, probs, entropy, current):
    """probs: (n_tau, n_labels), entropy: (n_tau,) -> rows for the sweep chart."""
    rows = [{"kind": "label", "label": label, "order": i, "tau": float(tau), "value": round(float(probs[k, i]), 6)}
            for k, tau in enumerate(temperatures) for i, label in enumerate(labels)]
    scale = math.log(len(labels)) if len(labels) > 1 else 1.0  # entropy / ln n: 1 means all labels equal
    rows += [{"kind": "entropy", "tau": float(tau), "value": round(float(h) / scale, 6)}
             for tau, h in zip(temperatures, entropy)]
    return rows + [{"kind": "current", "tau": float(current), "value": 0}]


def template_rows(content, probs):
    """probs: (n_templates, n_labels) for one photo and temperature -> one row per cell."""
    names = [template_name(t, len(content.ensemble_templates)) for t in content.templates]
    return [{"template": names[t], "template_order": t, "label": label, "order": i,
             "value": round(float(probs[t, i]), 6), "shown": f"{100 * probs[t, i]:.0f}%"}
            for t in range(len(names)) for i, label in enumerate(content.default_labels)]


def template_name(template, ensemble_size):
    return f"ensemble of {ensemble_size}" if template.ensemble else template.text


def gap_rows(content, numbers, gap, template_index):
    """Rows of the modality-gap chart for the default labels under the default template."""
    mean, components, cloud_labels, cloud, images = (gap.mean, gap.components, gap.cloud_names, gap.cloud_points,
                                                     gap.image_points)
    texts = (numbers.text[template_index, numbers.label_index].astype(np.float32) - mean) @ components.T
    rows = [{"kind": "vocabulary", "name": name, "x": round(float(a), 5), "y": round(float(b), 5)}
            for name, (a, b) in zip(cloud_labels, cloud)]
    rows += [{"kind": "photo", "name": photo.title, "x": round(float(a), 5), "y": round(float(b), 5)}
             for photo, (a, b) in zip(content.photos, images)]
    return rows + [{"kind": "label", "name": label, "order": i, "x": round(float(a), 5), "y": round(float(b), 5)}
                   for i, (label, (a, b)) in enumerate(zip(content.default_labels, texts))]


def make_charts(content, numbers, default, cache_dir, gap, crowding_example):
    """The charts of the default view: default photo, template, labels and temperature."""
    p, t, k = default["photo_index"], default["template_index"], content.default_tau_index
    rows = label_rows(content.default_labels, numbers.similarities[p, t], numbers.probabilities[p, t, k])
    data = {
        "image-vector": vector_rows(numbers.image[p]),
        "text-vector": vector_rows(numbers.text[t, numbers.label_index[0]]),
        "similarities": rows,
        "probabilities": rows,
        "matrix": matrix_rows(content, numbers.similarities[:, t], p),
        "sweep": sweep_rows(content.default_labels, content.temperatures, numbers.probabilities[p, t],
                            numbers.entropy[p, t], content.temperatures[k]),
        "templates": template_rows(content, numbers.probabilities[p, :, k]),
        "gap": gap_rows(content, numbers, gap, t),
        "crowding": crowding_chart_rows(crowding_example),
    }
    return {name: compile_chart(name, data[name], cache_dir) for name in CHART_KINDS}
