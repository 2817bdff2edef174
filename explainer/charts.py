"""Stage 4, charts: Altair builds each Vega-Lite spec from the default view's rows, vl-convert compiles it to
Vega for the page's runtime and renders a static SVG of the default view for readers without JavaScript.

The rows, the gap chart's names and the narrow layouts are the page's own view modules (templates/assets),
run through explainer/views.py: this stage supplies the numbers and builds the specs and SVGs. Every chart
reads one named dataset, "values"; the page swaps its rows when the reader changes a control. Compiled charts
are cached by their inputs (and the code that lays them out), so a rebuild whose charts did not change skips
Altair and vl-convert entirely, including importing them.
"""
import hashlib
import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cache import UNREADABLE, read_json, write_atomic
from .settings import TRAINED_TAU

LABEL_COLOURS = "tableau10"  # the same label has the same colour in every chart (data order = label order)
CHOSEN = "#e8590c"  # the chosen photo's ring in the gap chart: bright against the near-black squares
MARKER = "#1d2330"  # the current temperature, the chosen row or column: near-black, outside the label palette
GAP_LEADER = "#5a6272"  # the gap chart's leader lines: the page's muted ink
# The label the reader points at or focuses anywhere on the page (store.js hoverLabel): a Vega signal the page
# sets (charts.js highlightLabel) without handing the chart new rows; "" when none. Other labels fade.
HOVER = "hover_label"


def hovered(field="label"):
    """The test: no label is hovered, or this row's is."""
    return f"{HOVER} == '' || datum.{field} == {HOVER}"


def with_hover(chart):
    import altair as alt
    return chart.add_params(alt.param(name=HOVER, value=""))
# the layout constants the page shares (FONT, STATIC_WIDTH, GAP_HEIGHT, ...) are templates/assets/rules/layout.js's


@dataclass
class Chart:
    name: str
    vega: dict    # compiled Vega spec, its "values" emptied: the page fills them
    svg: str      # the default view, rendered at build time
    rows: list    # the default view's data (for tables and tests)
    narrow_svg: str = None  # the default view on a narrow screen (narrow.js narrowSpec), when its layout differs


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
    cells = base.mark_rect(stroke="white").encode(color=alt.Color("value:Q", legend=None, scale=scheme),
                                                  opacity=alt.condition(hovered(), alt.value(1), alt.value(0.3)))
    # the chosen photo's row (matrix; its column on a narrow screen) or the chosen template's column (templates)
    if highlight:
        cells = cells.encode(strokeWidth=alt.condition("datum.current", alt.value(3), alt.value(0.5)),
                             stroke=alt.condition("datum.current", alt.value(MARKER), alt.value("white")))
    text = base.mark_text(fontSize=11).encode(
        text="shown:N", color=alt.condition(dark, alt.value("white"), alt.value("#1d2330")),
        opacity=alt.condition("bandwidth('x') >= 34", alt.value(1), alt.value(0)))  # no text in narrow cells
    return with_hover(cells + text)


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
        detail="label:N", opacity=alt.condition(hovered(), alt.value(1), alt.value(0.25)),
        strokeWidth=alt.condition(f"datum.label == {HOVER}", alt.value(4), alt.value(2)),
        tooltip=[alt.Tooltip("label:N"), alt.Tooltip("tau:Q", format=".3g"), alt.Tooltip("value:Q", format=".1%")])
    entropy = alt.Chart(data).transform_filter("datum.kind == 'entropy'").mark_line(
        strokeDash=[5, 3], color="#1d2330").encode(
        x=x, y="value:Q", tooltip=[alt.Tooltip("tau:Q", format=".3g"), alt.Tooltip("value:Q", title="entropy / ln n",
                                                                                     format=".2f")])
    current = alt.Chart(data).transform_filter("datum.kind == 'current'").mark_rule(
        color=MARKER, strokeWidth=3).encode(x=x)  # not orange: the palette's second label is orange
    # CLIP's trained temperature, marked once the current one has moved away from it
    away = alt.Chart(data).transform_filter(f"datum.kind == 'current' && abs(log(datum.tau / {TRAINED_TAU})) > 1e-6")
    away = away.transform_calculate(trained=str(TRAINED_TAU))
    trained_x = alt.X("trained:Q", scale=alt.Scale(type="log", nice=False))
    trained = away.mark_rule(color=MARKER, strokeWidth=1.5, strokeDash=[2, 3]).encode(x=trained_x) + away.mark_text(
        align="left", dx=4, y=6, baseline="top", fontSize=11, color=MARKER, text=f"CLIP's τ = {TRAINED_TAU:g}").encode(
        x=trained_x)
    return with_hover(lines + entropy + current + trained).properties(
        height=220, title=alt.Title(["Probability of each label as τ changes", "(dashed: entropy / ln n)"]))


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
        highlight=True).properties(height=alt.Step(24))


def gap_chart(rows, layout):
    """Photos and label texts in the plane of their two main directions: the modality gap. Each name sits
    where the page's placer (gaplabels.js) put it, further away with a thin leader line to its point where
    it fits nowhere near; one that fits nowhere at all is left out (tooltip, table)."""
    import altair as alt
    data = alt.Data(name="values", values=rows)
    # domain = the rows' extent, as the placer assumes
    scale = alt.Scale(zero=False, nice=False, padding=layout["GAP_PAD"])
    x = alt.X("x:Q", title="first principal direction", scale=scale, axis=alt.Axis(labels=False, ticks=False))
    y = alt.Y("y:Q", title="second principal direction", scale=scale, axis=alt.Axis(labels=False, ticks=False))
    tooltip = [alt.Tooltip("name:N"), alt.Tooltip("kind:N")]
    placed = dict(dx=alt.ExprRef("datum.label_dx"), dy=alt.ExprRef("datum.label_dy"),
                  align=alt.ExprRef("datum.label_align"), baseline="middle", fontSize=layout["FONT"])
    cloud = alt.Chart(data).transform_filter("datum.kind == 'vocabulary'").mark_circle(
        size=12, color="#9aa0ab", opacity=0.35).encode(x=x, y=y, tooltip=tooltip)
    leaders = alt.Chart(data).transform_filter("datum.leader").mark_rule(  # under the markers: from each centre
        color=GAP_LEADER, strokeWidth=1, x2Offset=alt.ExprRef("datum.leader_dx"),
        y2Offset=alt.ExprRef("datum.leader_dy")).encode(x=x, y=y, x2="x:Q", y2="y:Q")
    images = alt.Chart(data).transform_filter("datum.kind == 'photo'").mark_square(
        size=110, color="#1d2330").encode(  # the chosen photo ringed: one marker per photo all the same
        x=x, y=y, tooltip=tooltip, stroke=alt.condition("datum.chosen", alt.value(CHOSEN), alt.value("#1d2330")),
        strokeWidth=alt.condition("datum.chosen", alt.value(3), alt.value(0)))
    image_names = alt.Chart(data).transform_filter("datum.kind == 'photo' && datum.shown").mark_text(
        color="#1d2330", **placed).encode(x=x, y=y, text="name:N")
    labels = alt.Chart(data).transform_filter("datum.kind == 'label'").mark_circle().encode(
        opacity=alt.condition(hovered("name"), alt.value(1), alt.value(0.25)),
        size=alt.condition(f"datum.name == {HOVER}", alt.value(200), alt.value(90)),
        x=x, y=y, tooltip=tooltip, color=alt.Color("name:N", sort=alt.EncodingSortField("order", op="min"),
                                                   legend=None, scale=alt.Scale(scheme=LABEL_COLOURS)))
    label_names = alt.Chart(data).transform_filter("datum.kind == 'label' && datum.shown").mark_text(
        **placed).encode(x=x, y=y, text="name:N")
    return with_hover(cloud + leaders + images + image_names + labels + label_names).properties(
        height=layout["GAP_HEIGHT"],
        title=alt.Title(["Photos (squares; the chosen one ringed)", "and label texts (dots) in one plane"]))


def crowding_chart(rows):
    """Stacked bars, one per step: how the top label's share shrinks as near-synonyms are added."""
    import altair as alt
    title = "Probability, as near-synonyms are added"
    return alt.Chart(alt.Data(name="values", values=rows), title=title).mark_bar().encode(
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


CHART_KINDS = {  # name -> (rows, layout) -> Altair chart
    "image-vector": lambda rows, _: vector_chart(rows, f"Image embedding, {len(rows)} dimensions"),
    "text-vector": lambda rows, _: vector_chart(rows, "First label's text embedding"),
    "similarities": lambda rows, _: label_bar_chart(rows, "similarity", "Cosine similarity"),
    "probabilities": lambda rows, _: label_bar_chart(rows, "probability", "Probability", [0, 1]),
    "matrix": lambda rows, _: matrix_chart(rows),
    "sweep": lambda rows, _: sweep_chart(rows),
    "templates": lambda rows, _: template_chart(rows),
    "gap": gap_chart,
    "crowding": lambda rows, _: crowding_chart(rows),
}


def chart_key(name, rows, layout, sources, short_names=None, transpose=False):
    """What a compiled chart depends on: its data and short names, the layout constants, this file and the
    view modules that lay it out (sources: their text), and the versions of Altair and vl-convert."""
    versions = [importlib.metadata.version(p) for p in ("altair", "vl-convert-python")]
    payload = json.dumps([name, rows, versions, short_names, transpose, layout, sources], sort_keys=True).encode()
    return hashlib.sha256(payload + Path(__file__).read_bytes()).hexdigest()[:32]


def compile_spec(name, rows, layout):
    """rows -> (the Vega spec for the page, its "values" emptied, and the SVG of this view)."""
    import vl_convert
    font = layout["FONT"]
    chart = CHART_KINDS[name](rows, layout).configure_axis(labelFontSize=font, titleFontSize=font + 1)
    chart = chart.configure_legend(labelFontSize=font).configure_title(  # anchored left: a phone cuts no centred edge
        fontSize=font + 3, anchor="start")
    spec = chart.properties(width="container").to_dict(validate=False)  # vl-convert validates when compiling
    vega = vl_convert.vegalite_to_vega(spec)
    for dataset in vega["data"]:
        if dataset.get("name") == "values":
            dataset["values"] = []  # the page supplies the rows; the spec stays small
    return vega, vl_convert.vegalite_to_svg(chart.properties(width=layout["STATIC_WIDTH"]).to_dict(validate=False))


def static_spec(vega, rows, width):
    """A copy of a compiled spec with its rows and a fixed width (the page's spec takes its container's)."""
    spec = json.loads(json.dumps(vega))
    for dataset in spec["data"]:
        if dataset.get("name") == "values":
            dataset["values"] = rows
    for signal in spec["signals"]:
        if signal["name"] == "width":
            signal.pop("on", None)
            signal["init"] = str(width)
    return spec


def make_charts(rows, short_names, cache, views):
    """Each chart's default view (rows: {name: rows}, from default_rows) -> Chart: the Vega spec for the page and
    the SVGs of this view, wide and, where a narrow screen lays it out otherwise, narrow (narrow.js's narrowSpec
    with the chart's short names, transposed for NARROW_TRANSPOSED), from the cache when possible."""
    layout = views.layout
    transposed = {name: name in layout["NARROW_TRANSPOSED"] for name in CHART_KINDS}
    rules = views.assets / "rules"
    sources = [(rules / f"{module}.js").read_text(encoding="utf-8") for module in ("narrow", "layout")]
    keys = {name: chart_key(name, rows[name], layout, sources, short_names.get(name), transposed[name])
            for name in CHART_KINDS}
    paths = {name: cache.path("charts", f"{key}.json") for name, key in keys.items()}
    charts = {}
    for name, path in paths.items():
        try:
            cached = read_json(path)
            charts[name] = Chart(name, cached["vega"], cached["svg"], rows[name], cached["narrow_svg"])
        except UNREADABLE:
            pass
    missing = [name for name in CHART_KINDS if name not in charts]
    if not missing:
        return charts
    import vl_convert
    compiled = {name: compile_spec(name, rows[name], layout) for name in missing}
    narrow = views.call(*[("narrow", "narrowSpec", compiled[name][0], short_names.get(name), transposed[name])
                          for name in missing])
    for name, narrow_vega in zip(missing, narrow, strict=True):
        vega, svg = compiled[name]
        narrow_svg = (vl_convert.vega_to_svg(static_spec(narrow_vega, rows[name], layout["NARROW_WIDTH"]))
                      if narrow_vega else None)
        write_atomic(paths[name], json.dumps({"vega": vega, "svg": svg, "narrow_svg": narrow_svg}))
        charts[name] = Chart(name, vega, svg, rows[name], narrow_svg)
    return {name: charts[name] for name in CHART_KINDS}


def default_rows(content, numbers, default, figures, views):
    """The default view as the page computes it (photo, template, labels and temperature), from the numbers:
    {"rows": {chart name: rows}, "short_names": {chart: {axis value: short name}}, "template_names",
    "crowding_steps"}. Two round trips to the view modules: the label rows decide which labels the other
    charts hold."""
    p, t, k = default.index
    layout, gap, crowding = views.layout, figures.gap, figures.crowding_example
    templates = [dict(ensemble=template.ensemble, text=template.text) for template in content.templates]
    label_rows, image_rows, text_rows, gap_rows, steps, *names = views.call(
        ("rows", "labelRows", content.default_labels, numbers.similarities[p, t], numbers.probabilities[p, t, k]),
        ("rows", "vectorRows", numbers.image[p]),
        ("rows", "vectorRows", numbers.text[t, numbers.label_index[0]]),
        ("gaplabels", "placeGapLabels", gap_points(content, numbers, gap, t, p), layout["STATIC_WIDTH"],
         layout["GAP_HEIGHT"]),
        ("rows", "crowdingSteps", numbers.similarities[p, t], crowding["added"], content.temperatures[k]),
        *[("narrow", "templateName", template, len(content.ensemble_templates)) for template in templates])
    charted = [row["order"] for row in label_rows]
    matrix, sweep, template_rows, crowding_rows = views.call(
        ("rows", "matrixRows", [photo.title for photo in content.photos], label_rows,
         numbers.similarities[:, t][:, charted], p, "similarity"),
        ("rows", "sweepRows", label_rows, content.temperatures, numbers.probabilities[p, t], numbers.entropy[p, t],
         content.temperatures[k]),
        ("rows", "templateRows", names, content.default_labels, numbers.probabilities[p, :, k], layout["CHART_LIMIT"],
         t),
        ("rows", "crowdingRows", crowding["label"], steps))
    rows = {"image-vector": image_rows, "text-vector": text_rows, "similarities": label_rows,
            "probabilities": label_rows, "matrix": matrix, "sweep": sweep, "templates": template_rows, "gap": gap_rows,
            "crowding": crowding_rows}
    short = {"templates": {name: template.short for name, template in zip(names, content.templates, strict=True)},
             "matrix": {photo.title: photo.id for photo in content.photos}}
    return dict(rows=rows, short_names=short, template_names=names, crowding_steps=steps)


def gap_points(content, numbers, gap, template_index, photo_index):
    """The modality-gap chart's points for the default labels under the default template (its names are placed
    by the page's placer): the vocabulary cloud, the photos and the label texts in the plane of the gap."""
    texts = (numbers.text[template_index, numbers.label_index].astype(np.float32) - gap.mean) @ gap.components.T
    rows = [{"kind": "vocabulary", "name": name, "x": round(float(a), 5), "y": round(float(b), 5)}
            for name, (a, b) in zip(gap.cloud_names, gap.cloud_points, strict=True)]
    rows += [{"kind": "photo", "name": photo.title, "x": round(float(a), 5), "y": round(float(b), 5),
              "chosen": i == photo_index}  # ringed, as the page rings the reader's choice
             for i, (photo, (a, b)) in enumerate(zip(content.photos, gap.image_points, strict=True))]
    return rows + [{"kind": "label", "name": label, "order": i, "x": round(float(a), 5), "y": round(float(b), 5)}
                   for i, (label, (a, b)) in enumerate(zip(content.default_labels, texts, strict=True))]
