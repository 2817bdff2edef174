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
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

from .cache import read_json

STATIC_WIDTH = 640   # the SVG fallback's width; the live charts fill their container
LABEL_COLOURS = "tableau10"  # the same label has the same colour in every chart (data order = label order)
MARKER = "#1d2330"  # the current temperature, the chosen row or column: near-black, outside the label palette
FONT = 11  # the smallest chart text, in px: legible on a phone
GAP_HEIGHT = 320  # the modality-gap chart's plot height, px; its width is STATIC_WIDTH in the SVG
GAP_PAD = 14  # px kept empty at each end of the gap chart's scales, so no marker sits on the frame
GAP_LEADER = "#5a6272"  # the gap chart's leader lines: the page's muted ink
NARROW_MEDIA = "(max-width: 527px)"  # screens whose charts are under 480 px wide (the page's margins take 48 px)
NARROW_WIDTH = 327  # px: a chart's width on a 375 px phone, the width of the narrow static SVGs
NARROW_TRANSPOSED = ("matrix",)  # heatmaps whose rows and columns swap on a narrow screen (photos as columns)
STAGGER = 14  # px: each further row of a narrow chart's staggered axis labels sits this much lower
NAME_ROOM = 66  # px a staggered column name gets at least: as many rows as that takes (two or more)


@dataclass
class Chart:
    name: str
    vega: dict    # compiled Vega spec, its "values" emptied: the page fills them
    svg: str      # the default view, rendered at build time
    rows: list    # the default view's data (for tables and tests)
    narrow_svg: str = None  # the default view on a narrow screen (narrow_spec), when its layout differs


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
    if highlight:  # the chosen photo's row (matrix; its column on a narrow screen) or the chosen template's column (templates)
        cells = cells.encode(strokeWidth=alt.condition("datum.current", alt.value(3), alt.value(0.5)),
                             stroke=alt.condition("datum.current", alt.value(MARKER), alt.value("white")))
    text = base.mark_text(fontSize=11).encode(
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
        color=MARKER, strokeWidth=3).encode(x=x)  # not orange: the palette's second label is orange
    return (lines + entropy + current).properties(
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


def gap_chart(rows):
    """Photos and label texts in the plane of their two main directions: the modality gap. Each name sits
    where the rows' placer (place_gap_labels) put it, further away with a thin leader line to its point where
    it fits nowhere near; one that fits nowhere at all is left out (tooltip, table)."""
    import altair as alt
    data = alt.Data(name="values", values=rows)
    scale = alt.Scale(zero=False, nice=False, padding=GAP_PAD)  # domain = the rows' extent, as the placer assumes
    x = alt.X("x:Q", title="first principal direction", scale=scale, axis=alt.Axis(labels=False, ticks=False))
    y = alt.Y("y:Q", title="second principal direction", scale=scale, axis=alt.Axis(labels=False, ticks=False))
    tooltip = [alt.Tooltip("name:N"), alt.Tooltip("kind:N")]
    placed = dict(dx=alt.ExprRef("datum.label_dx"), dy=alt.ExprRef("datum.label_dy"),
                  align=alt.ExprRef("datum.label_align"), baseline="middle", fontSize=FONT)
    cloud = alt.Chart(data).transform_filter("datum.kind == 'vocabulary'").mark_circle(
        size=12, color="#9aa0ab", opacity=0.35).encode(x=x, y=y, tooltip=tooltip)
    leaders = alt.Chart(data).transform_filter("datum.leader").mark_rule(  # under the markers: from each centre
        color=GAP_LEADER, strokeWidth=1, x2Offset=alt.ExprRef("datum.leader_dx"),
        y2Offset=alt.ExprRef("datum.leader_dy")).encode(x=x, y=y, x2="x:Q", y2="y:Q")
    images = alt.Chart(data).transform_filter("datum.kind == 'photo'").mark_square(
        size=110, color="#1d2330").encode(x=x, y=y, tooltip=tooltip)
    image_names = alt.Chart(data).transform_filter("datum.kind == 'photo' && datum.shown").mark_text(
        color="#1d2330", **placed).encode(x=x, y=y, text="name:N")
    labels = alt.Chart(data).transform_filter("datum.kind == 'label'").mark_circle(size=90, opacity=1).encode(
        x=x, y=y, tooltip=tooltip, color=alt.Color("name:N", sort=alt.EncodingSortField("order", op="min"),
                                                   legend=None, scale=alt.Scale(scheme=LABEL_COLOURS)))
    label_names = alt.Chart(data).transform_filter("datum.kind == 'label' && datum.shown").mark_text(
        **placed).encode(x=x, y=y, text="name:N")
    return (cloud + leaders + images + image_names + labels + label_names).properties(
        height=GAP_HEIGHT, title=alt.Title(["Photos (squares) and label texts (dots)", "in one plane"]))


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


def chart_key(name, rows, short_names=None, transpose=False):
    """What a compiled chart depends on: its data and short names, this file, and the versions of Altair and
    vl-convert."""
    versions = [importlib.metadata.version(p) for p in ("altair", "vl-convert-python")]
    source = Path(__file__).read_bytes()
    payload = json.dumps([name, rows, versions, short_names, transpose], sort_keys=True).encode() + source
    return hashlib.sha256(payload).hexdigest()[:32]


def compile_chart(name, rows, cache, short_names=None, transpose=False):
    """rows -> Chart: the Vega spec for the page and the SVGs of this view (wide, and narrow when its layout
    differs: narrow_spec with short_names and transpose), from the cache when possible."""
    def load(path):
        cached = read_json(path)
        return Chart(name, cached["vega"], cached["svg"], rows, cached["narrow_svg"])
    return cache.memo("charts", f"{chart_key(name, rows, short_names, transpose)}.json",
                      lambda: compile_vega(name, rows, short_names, transpose), load)


def compile_vega(name, rows, short_names, transpose):
    """Altair and vl-convert, on a cache miss: {vega, svg, narrow_svg}."""
    import vl_convert
    chart = CHART_KINDS[name](rows).configure_axis(labelFontSize=FONT, titleFontSize=FONT + 1).configure_legend(
        labelFontSize=FONT).configure_title(fontSize=FONT + 3, anchor="start")  # anchored left: a phone cuts no centred edge
    spec = chart.properties(width="container").to_dict(validate=False)  # vl-convert validates when compiling
    vega = vl_convert.vegalite_to_vega(spec)
    for dataset in vega["data"]:
        if dataset.get("name") == "values":
            dataset["values"] = []  # the page supplies the rows; the spec stays small
    svg = vl_convert.vegalite_to_svg(chart.properties(width=STATIC_WIDTH).to_dict(validate=False))
    narrow = narrow_spec(vega, short_names, transpose)
    narrow_svg = vl_convert.vega_to_svg(static_spec(narrow, rows, NARROW_WIDTH)) if narrow else None
    return {"vega": vega, "svg": svg, "narrow_svg": narrow_svg}


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


def narrow_spec(vega, short_names=None, transpose=False):
    """The compiled spec laid out for a narrow screen (NARROW_MEDIA), or None when it has no rotated labels:
    rotated bottom-axis labels are set level and staggered over two rows (more where two columns are narrower
    than NAME_ROOM), each having as many columns' width (cut to it: the tooltip and the table have it whole); short_names ({axis value: short name}) replaces
    that axis's names (the template heatmap's columns, the matrix's photos). transpose (a heatmap) swaps its
    rows and columns first: the x and y scales swap domains and the marks' x and y fields swap, so the long
    names of the columns become rows, whole. Twin of narrowSpec in templates/assets/narrow.js."""
    if not any(axis["orient"] == "bottom" and axis.get("labelAngle") for axis in vega.get("axes", [])):
        return None
    spec = transposed(vega) if transpose else dict(vega)
    spec["axes"] = [narrow_axis(axis, short_names) if axis["orient"] == "bottom" and axis.get("labelAngle") else axis
                    for axis in vega["axes"]]
    return spec


def transposed(vega):
    """A heatmap's spec with rows and columns swapped (the scales' ranges, axes and sizes stay)."""
    domains = {scale["name"]: scale["domain"] for scale in vega["scales"] if scale["name"] in ("x", "y")}
    scales = [dict(scale, domain=domains["y" if scale["name"] == "x" else "x"]) if scale["name"] in domains
              else scale for scale in vega["scales"]]
    marks = []
    for mark in vega["marks"]:
        update = dict(mark["encode"]["update"])
        x, y = update.get("x"), update.get("y")
        if isinstance(x, dict) and isinstance(y, dict) and "field" in x and "field" in y:
            update["x"], update["y"] = dict(x, field=y["field"]), dict(y, field=x["field"])
        marks.append(dict(mark, encode=dict(mark["encode"], update=update)))
    return dict(vega, scales=scales, marks=marks)


def narrow_axis(axis, short_names):
    scale = axis["scale"]
    update = dict(axis.get("encode", {}).get("labels", {}).get("update", {}))
    rows = f"max(2, ceil({NAME_ROOM} / bandwidth('{scale}')))"
    update["dy"] = {"signal": f"round(datum.index * (length(domain('{scale}')) - 1)) % {rows} * {STAGGER}"}
    if short_names:
        lookup = ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                           for k, v in short_names.items())
        update["text"] = {"signal": f"{{{lookup}}}[datum.value] || datum.label"}
    labels = dict(axis.get("encode", {}).get("labels", {}), update=update)
    return dict(axis, labelAngle=0, labelAlign="center", labelBaseline="top",
                labelLimit={"signal": f"{rows} * bandwidth('{scale}') - 4"},
                encode=dict(axis.get("encode", {}), labels=labels))


# ---- the rows each chart receives -----------------------------------------------------------------
# Twins of templates/assets/rows.js, which builds the same rows in the browser; tests/test_rows_twins.py runs
# both on the same numbers. Numbers are converted to Python floats first, so both sides do float64
# arithmetic, and text is formatted the way JavaScript's toFixed does.

CHART_LIMIT = 40  # bars per chart; the tables hold every label


def to_fixed(x, digits):
    """JavaScript's Number.prototype.toFixed: the exact binary value rounded half away from zero
    (Python's format() rounds half to even)."""
    return str(Decimal(float(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def vector_rows(vector):
    return [{"dim": i, "value": float(v)} for i, v in enumerate(vector)]


def label_rows(labels, sims, probs, limit=CHART_LIMIT):
    """The label bars: every label, or the `limit` most probable, kept in the reader's order."""
    keep = list(range(len(labels)))
    if len(keep) > limit:
        keep = sorted(sorted(keep, key=lambda i: -float(probs[i]))[:limit])
    return [{"label": labels[i], "order": i, "similarity": float(sims[i]), "probability": float(probs[i])}
            for i in keep]


def matrix_shown(v, measure):
    return to_fixed(v, 3) if measure == "similarity" else f"{to_fixed(100 * v, 0)}%"


def matrix_rows(photo_titles, rows, values, current, measure="similarity"):
    """Photos x labels: values[p][j] for photo p and the j-th charted label row; `dark` picks white text."""
    values = [[float(v) for v in line] for line in values]
    lo, hi = min(min(line) for line in values), max(max(line) for line in values)
    return [{"photo": photo, "photo_order": p, "label": rows[j]["label"], "order": rows[j]["order"], "value": v,
             "shown": matrix_shown(v, measure), "current": p == current, "dark": v - lo > 0.6 * (hi - lo)}
            for p, photo in enumerate(photo_titles) for j, v in enumerate(values[p])]


def template_rows(names, labels, probs, limit=CHART_LIMIT, current=-1):
    """Labels x templates: probs[t][i] for template t and label i (the first `limit` labels); `current`: the
    chosen template's index, whose column the heatmap outlines."""
    return [{"template": name, "template_order": t, "label": label, "order": i, "value": float(probs[t][i]),
             "shown": f"{to_fixed(100 * float(probs[t][i]), 0)}%", "current": t == current}
            for i, label in enumerate(labels[:limit]) for t, name in enumerate(names)]


def sweep_rows(rows, temperatures, probs_by_tau, entropy_by_tau, tau):
    """Each charted label's probability at every grid temperature (probs_by_tau: (n_tau, n_labels)), the
    entropy divided by ln n (1 means all labels equal), and the current temperature's marker."""
    n = len(probs_by_tau[0])
    scale = math.log(n) if n > 1 else 1
    out = []
    for k, t in enumerate(temperatures):
        out += [{"kind": "label", "label": row["label"], "order": row["order"], "tau": float(t),
                 "value": float(probs_by_tau[k][row["order"]])} for row in rows]
        out.append({"kind": "entropy", "tau": float(t), "value": float(entropy_by_tau[k]) / scale})
    return out + [{"kind": "current", "tau": float(tau), "value": 0}]


def softmax_list(scores, tau):
    """softmax(s / tau) in float64, summed in order, as clipmath.js does it."""
    top = max(scores)
    exps = [math.exp((s - top) / tau) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def crowding_steps(sims, added, tau):
    """Add the near-synonyms ([[name, similarity to the photo]]) one at a time to the softmax of the
    reader's labels' similarities, and follow the top label's share."""
    sims = [float(s) for s in sims]
    top = sims.index(max(sims))
    steps = []
    for n in range(len(added) + 1):
        probs = softmax_list(sims + [float(s) for _, s in added[:n]], tau)
        synonyms = sum(probs[len(sims):])
        steps.append({"added": added[n - 1][0] if n else "", "top": probs[top], "synonyms": synonyms,
                      "others": max(0, 1 - probs[top] - synonyms)})
    return steps


def crowding_rows(label, steps):
    """The crowding chart: three stacked parts per step."""
    return [{"step": f"+ {step['added']}" if step["added"] else f"{label} alone", "step_order": n, "part": part,
             "part_order": order, "value": step[key]}
            for n, step in enumerate(steps)
            for order, (part, key) in enumerate((("top label", "top"), ("near-synonyms", "synonyms"),
                                                 ("other labels", "others")))]


def template_name(template, ensemble_size):
    return f"ensemble of {ensemble_size}" if template.ensemble else template.text


def gap_rows(content, numbers, gap, template_index, width=STATIC_WIDTH):
    """Rows of the modality-gap chart for the default labels under the default template, names placed."""
    mean, components, cloud_labels, cloud, images = (gap.mean, gap.components, gap.cloud_names, gap.cloud_points,
                                                     gap.image_points)
    texts = (numbers.text[template_index, numbers.label_index].astype(np.float32) - mean) @ components.T
    rows = [{"kind": "vocabulary", "name": name, "x": round(float(a), 5), "y": round(float(b), 5)}
            for name, (a, b) in zip(cloud_labels, cloud)]
    rows += [{"kind": "photo", "name": photo.title, "x": round(float(a), 5), "y": round(float(b), 5)}
             for photo, (a, b) in zip(content.photos, images)]
    rows += [{"kind": "label", "name": label, "order": i, "x": round(float(a), 5), "y": round(float(b), 5)}
             for i, (label, (a, b)) in enumerate(zip(content.default_labels, texts))]
    return place_gap_labels(rows, width, GAP_HEIGHT)


# The gap chart's names: a greedy placer, twin of placeGapLabels in rows.js. Each named point (photos, then
# labels, in row order) tries GAP_OFFSETS in turn and keeps the first whose text box, estimated from its
# length, overlaps no name already placed and no photo or label marker and stays inside the plot. A name that
# fits none of them is then placed further away with a leader line (a thin line from its point to the name):
# rings of GAP_RADII px in the GAP_DIRECTIONS, nearest first, the box avoiding every name, marker and line
# placed, the line as clear as GAP_LEVELS allows (the strictest level that has room); a name may also hang
# from the end of a rising or falling line (GAP_HANGS). That phase is tried in the GAP_TRIES ways and the one
# with the fewest names left out, then lines over other names, then crossing lines is kept. Only a name that
# fits nowhere even so is not drawn (shown false: its point keeps the tooltip, and the table lists it).
GAP_OFFSETS = ((9, 0, "left"), (-9, 0, "right"), (0, -14, "center"), (0, 14, "center"),
               (7, -11, "left"), (-7, -11, "right"), (7, 11, "left"), (-7, 11, "right"))
GAP_CHAR = 0.62  # estimated text width per character, in font sizes
GAP_LINE = 1.2  # estimated text height, in font sizes (Chromium draws 11 px text in a 12 px box)
GAP_MARKER = 6  # half the side of the box kept clear around each photo or label marker, px
GAP_RADII = tuple(range(24, 301, 12))  # px from a point to the end of its leader line, nearest first
GAP_COS = (1, 0.9808, 0.9239, 0.8315, 0.7071, 0.5556, 0.3827, 0.1951, 0)  # cos(k * 11.25 degrees), 4 decimals


def gap_directions():
    """32 unit directions (y down), counterclockwise from (1, 0); the two vertical ones last."""
    turns = []
    for k in range(32):
        quarter, i = divmod(k, 8)
        c, s = GAP_COS[i], GAP_COS[8 - i]
        turns.append(((c, -s), (-s, -c), (-c, s), (s, c))[quarter])
    return tuple(t for t in turns if t[0] != 0) + tuple(t for t in turns if t[0] == 0)


GAP_DIRECTIONS = gap_directions()
GAP_GAP = 2  # px between a leader line's end and its name
GAP_HANGS = ("right", "left", "center")  # how a name hangs from the end of a rising or falling leader line


def gap_pixels(rows, width, height, pad=GAP_PAD):
    """Data -> pixel maps of the gap chart: the rows' extent, with pad px each side (Vega's scale padding)."""
    xs = [r["x"] for r in rows]
    ys = [r["y"] for r in rows]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    sx = (width - 2 * pad) / (x1 - x0) if x1 > x0 else 0
    sy = (height - 2 * pad) / (y1 - y0) if y1 > y0 else 0
    return (lambda x: pad + (x - x0) * sx if sx else width / 2), (lambda y: height - pad - (y - y0) * sy if sy else height / 2)


def text_box(px, py, name, dx, dy, align, font=FONT):
    """[left, top, right, bottom] of a name drawn at (px + dx, py + dy), vertically centred."""
    w = GAP_CHAR * font * len(name)
    h = GAP_LINE * font
    left = px + dx - (w if align == "right" else w / 2 if align == "center" else 0)
    return [left, py + dy - h / 2, left + w, py + dy + h / 2]


def boxes_overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def segment_hits_box(line, box):
    """Whether the segment [x0, y0, x1, y1] meets the box (Liang-Barsky clipping)."""
    x0, y0, x1, y1 = line
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if p == 0:
            if q < 0:
                return False
        elif p < 0:
            t0 = max(t0, q / p)
        else:
            t1 = min(t1, q / p)
        if t0 > t1:
            return False
    return True


def turn(ax, ay, bx, by, cx, cy):
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


def segments_cross(a, b):
    """Whether two segments [x0, y0, x1, y1] cross (touching ends do not)."""
    return (turn(b[0], b[1], b[2], b[3], a[0], a[1]) * turn(b[0], b[1], b[2], b[3], a[2], a[3]) < 0
            and turn(a[0], a[1], a[2], a[3], b[0], b[1]) * turn(a[0], a[1], a[2], a[3], b[2], b[3]) < 0)


def leader_spots(px, py, name, font=FONT, hangs=("center",)):
    """Each (dx, dy, align, box, line, (rx, ry)) a leader line may give the name, nearest first: the line runs
    from the point to (px + rx, py + ry), and the name starts GAP_GAP px beyond that end, beside it (level with
    it) or, for a line that rises or falls, hanging from it: the name above or below the end, its right end, its
    middle or its left end there (GAP_HANGS), so stacked names can leave room beside them for the next lines."""
    h = GAP_LINE * font
    for radius in GAP_RADII:
        for ux, uy in GAP_DIRECTIONS:
            rx, ry = radius * ux, radius * uy
            line = [px, py, px + rx, py + ry]
            if ux > 0:
                yield rx + GAP_GAP, ry, "left", text_box(px, py, name, rx + GAP_GAP, ry, "left", font), line, (rx, ry)
            elif ux < 0:
                yield rx - GAP_GAP, ry, "right", text_box(px, py, name, rx - GAP_GAP, ry, "right", font), line, (rx, ry)
            if uy and (not ux or len(hangs) > 1):
                dy = ry + (h / 2 + GAP_GAP) * (1 if uy > 0 else -1)
                for align in hangs:
                    yield rx, dy, align, text_box(px, py, name, rx, dy, align, font), line, (rx, ry)


# What a leader line may not do, from the first level tried to the last: pass over a name, cross another
# line, pass over another point's marker.
GAP_LEVELS = (("names", "lines", "markers"), ("names", "lines"), ("names",), ())


def leader_allowed(line, i, level, placed, lines, markers):
    rules = GAP_LEVELS[level]
    return (not ("names" in rules and any(segment_hits_box(line, o) for o in placed))
            and not ("lines" in rules and any(segments_cross(line, other) for other in lines))
            and not ("markers" in rules and any(segment_hits_box(line, m) for j, m in markers.items() if j != i)))


def place_gap_labels(rows, width, height, font=FONT):
    """rows with label_dx, label_dy, label_align, shown and leader (with the line's end, leader_dx and leader_dy
    from the point) on each photo and label row (see GAP_OFFSETS)."""
    if not rows:
        return []
    to_x, to_y = gap_pixels(rows, width, height)
    named = [i for i, r in enumerate(rows) if r["kind"] != "vocabulary"]
    points = {i: (to_x(rows[i]["x"]), to_y(rows[i]["y"])) for i in named}
    markers = {i: [px - GAP_MARKER, py - GAP_MARKER, px + GAP_MARKER, py + GAP_MARKER] for i, (px, py) in points.items()}
    placed, lines = [], []
    out = [dict(r) for r in rows]

    def free(box):
        return (box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
                and not any(boxes_overlap(box, m) for m in markers.values())
                and not any(boxes_overlap(box, o) for o in placed)
                and not any(segment_hits_box(line, box) for line in lines))

    for i in named:
        px, py = points[i]
        out[i].update(label_dx=0, label_dy=0, label_align="left", shown=False, leader=False, leader_dx=0, leader_dy=0)
        for dx, dy, align in GAP_OFFSETS:
            box = text_box(px, py, rows[i]["name"], dx, dy, align, font)
            if free(box):
                placed.append(box)
                out[i].update(label_dx=dx, label_dy=dy, label_align=align, shown=True)
                break
    waiting = [i for i in named if not out[i]["shown"]]
    best = None
    for order, hangs in GAP_TRIES:  # the placement that leaves the fewest names out, lines over names, crossings
        if order:
            waiting.sort(key=lambda i: order * points[i][0])  # stable: row order among equal x
        tried = place_leaders(waiting, points, rows, markers, placed, lines, free, hangs, font)
        if best is None or tried[0] < best[0]:
            best = tried
    for i, (dx, dy, align, rx, ry) in best[1].items():
        out[i].update(label_dx=dx, label_dy=dy, label_align=align, shown=True, leader=True, leader_dx=rx, leader_dy=ry)
    return out


# The leader phase is tried in these ways, and the best kept (GAP_TRIES: the names in row order, then by their
# points' x, left to right and right to left; hanging names only for vertical lines, then for any rising or falling
# line): with long names on a narrow chart, stacked names let the next lines pass beside them.
GAP_TRIES = ((0, ("center",)), (0, GAP_HANGS), (1, GAP_HANGS), (-1, GAP_HANGS))


def place_leaders(waiting, points, rows, markers, placed, lines, free, hangs, font):
    """Leader lines for the names in `waiting`, in that order, after the names already placed: (score, {row:
    (dx, dy, align, rx, ry)}), score = (names left out, lines over another name, lines crossing). placed and lines
    are extended only for the try and restored after it."""
    n_placed, n_lines = len(placed), len(lines)
    found, owners = {}, []
    for i in waiting:
        px, py = points[i]
        for level in range(len(GAP_LEVELS)):
            spot = next((s for s in leader_spots(px, py, rows[i]["name"], font, hangs) if free(s[3])
                         and leader_allowed(s[4], i, level, placed, lines, markers)), None)
            if spot:
                dx, dy, align, box, line, (rx, ry) = spot
                placed.append(box)
                lines.append(line)
                owners.append(len(placed) - 1)
                found[i] = (dx, dy, align, rx, ry)
                break
    new_lines = lines[n_lines:]
    over = sum(segment_hits_box(line, box) for line, own in zip(new_lines, owners)
               for k, box in enumerate(placed) if k != own)
    crossing = sum(segments_cross(lines[k], lines[m]) for m in range(n_lines, len(lines)) for k in range(m))
    del placed[n_placed:], lines[n_lines:]
    return (len(waiting) - len(found), over, crossing), found


def make_charts(content, numbers, default, cache, gap, crowding_example):
    """The charts of the default view (pipeline.View): default photo, template, labels and temperature."""
    p, t, k = default.index
    rows = label_rows(content.default_labels, numbers.similarities[p, t], numbers.probabilities[p, t, k])
    names = [template_name(template, len(content.ensemble_templates)) for template in content.templates]
    charted = [row["order"] for row in rows]
    data = {
        "image-vector": vector_rows(numbers.image[p]),
        "text-vector": vector_rows(numbers.text[t, numbers.label_index[0]]),
        "similarities": rows,
        "probabilities": rows,
        "matrix": matrix_rows([photo.title for photo in content.photos], rows,
                              numbers.similarities[:, t][:, charted], p),
        "sweep": sweep_rows(rows, content.temperatures, numbers.probabilities[p, t], numbers.entropy[p, t],
                            content.temperatures[k]),
        "templates": template_rows(names, content.default_labels, numbers.probabilities[p, :, k], current=t),
        "gap": gap_rows(content, numbers, gap, t),
        "crowding": crowding_rows(crowding_example["label"], crowding_example["steps"]),
    }
    short = {"templates": {name: template.short for name, template in zip(names, content.templates)},
             "matrix": {photo.title: photo.id for photo in content.photos}}
    return {name: compile_chart(name, data[name], cache, short.get(name), name in NARROW_TRANSPOSED)
            for name in CHART_KINDS}
