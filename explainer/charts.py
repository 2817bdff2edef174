"""Stage 4, charts: Altair builds each Vega-Lite spec, vl-convert compiles it to Vega for the page's
runtime and renders a static SVG of the default view for readers without JavaScript.

Every chart reads one named dataset, "values"; the page swaps its rows when the reader changes a control.
"""
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import vl_convert

STATIC_WIDTH = 640   # the SVG fallback's width; the live charts fill their container
LABEL_COLOURS = "tableau10"  # the same label has the same colour in every chart (data order = label order)


@dataclass
class Chart:
    name: str
    vega: dict    # compiled Vega spec, its "values" emptied: the page fills them
    svg: str      # the default view, rendered at build time
    rows: list    # the default view's data (for tables and tests)


def vector_chart(rows, title):
    """512 bars, one per dimension: how a CLIP embedding looks from the inside."""
    return alt.Chart(alt.Data(name="values", values=rows), title=title).mark_bar(width=1).encode(
        x=alt.X("dim:Q", title="dimension", scale=alt.Scale(domain=[0, 511], nice=False),
                axis=alt.Axis(values=[0, 64, 128, 192, 256, 320, 384, 448, 511])),
        y=alt.Y("value:Q", title="value"),
        color=alt.condition("datum.value >= 0", alt.value("#3867d6"), alt.value("#e1703a")),
        tooltip=[alt.Tooltip("dim:Q", title="dimension"), alt.Tooltip("value:Q", title="value", format=".4f")],
    ).properties(height=150)


def label_bar_chart(rows, field, title, domain=None):
    """One horizontal bar per candidate label, in the reader's order, coloured by label."""
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


def compile_chart(name, chart, rows, cache_dir):
    """Vega-Lite -> (Vega for the page, SVG of the default view); remembered by spec, since compiling
    is most of a prose-only rebuild's time."""
    spec = chart.properties(width="container").to_dict(validate=False)  # vl-convert validates when compiling
    static = chart.properties(width=STATIC_WIDTH).to_dict(validate=False)
    key = hashlib.sha256(json.dumps([spec, static, vl_convert.__version__], sort_keys=True).encode()).hexdigest()
    path = Path(cache_dir) / "charts" / f"{key[:32]}.json"
    try:
        cached = json.loads(path.read_text())
        return Chart(name, cached["vega"], cached["svg"], rows)
    except (OSError, ValueError, KeyError):
        pass
    vega = vl_convert.vegalite_to_vega(spec)
    for dataset in vega["data"]:
        if dataset.get("name") == "values":
            dataset["values"] = []  # the page supplies the rows; the spec stays small
    svg = vl_convert.vegalite_to_svg(static)
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


def make_charts(content, numbers, default, cache_dir):
    """The charts of the default view: default photo, template, labels and temperature."""
    p, t, k = default["photo_index"], default["template_index"], content.default_tau_index
    rows = label_rows(content.default_labels, numbers.similarities[p, t], numbers.probabilities[p, t, k])
    image_rows = vector_rows(numbers.image[p])
    text_rows = vector_rows(numbers.text[t, numbers.label_index[0]])
    charts = [
        compile_chart("image-vector", vector_chart(image_rows, "Image embedding, 512 dimensions"), image_rows,
                      cache_dir),
        compile_chart("text-vector", vector_chart(text_rows, "First label's text embedding"), text_rows, cache_dir),
        compile_chart("similarities", label_bar_chart(rows, "similarity", "Cosine similarity"), rows, cache_dir),
        compile_chart("probabilities", label_bar_chart(rows, "probability", "Probability", [0, 1]), rows,
                      cache_dir),
    ]
    return {chart.name: chart for chart in charts}
