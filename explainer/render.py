"""Stage 5, render: Markdown sections -> HTML (maths -> MathML at build time), placed in Jinja templates.

In a section, a line `::: name` places the interactive widget templates/widgets/name.html there, and
`{{ photos.count }}`-style placeholders take numbers from the content and the model (explainer/markup.py);
maths is checked strictly (explainer/maths.py). page_context() is everything the templates can use (the snapshot's `model` gives the checkpoint's sizes:
`model.dim`, `model.context_length`, `model.image_size`, `model.patch_size`).
"""
import json
import re
import secrets

import jinja2
import markdown
import numpy as np
from markdown.postprocessors import Postprocessor, RawHtmlPostprocessor
from markdown.preprocessors import Preprocessor

from .errors import BuildError
from .markup import (MARKDOWN_EXTENSIONS, MATH_RE, MarkupError, placeholder_values, sanitise,
                     substitute_placeholders, widget_name)
from .maths import MathsError, to_mathml
from .modelinput import centre_crop_box
from .preview import preview_tags

LONE_DOLLAR_RE = re.compile(r"(?<!\\)\$")  # a $ left over once the maths is stashed: never closed
ID_ATTRIBUTE_RE = re.compile(r"\sid=")


def make_environment(templates_dir):
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


class SectionPreprocessor(Preprocessor):
    """Turns `$...$`, `$$...$$` and `::: widget` lines into stashed HTML, with errors naming the line."""

    def __init__(self, md, section, render_widget, widgets, placeholders, trusted):
        super().__init__(md)
        self.section, self.render_widget = section, render_widget
        self.widgets, self.placeholders, self.trusted = widgets, placeholders, trusted

    def run(self, lines):
        out = []
        for offset, line in enumerate(lines):
            line_no = self.section.body_line + offset
            try:
                widget = widget_name(line, self.widgets)
                if widget:
                    out += ["", self.trusted.store(self.render_widget(widget, self.section.path, line_no)), ""]
                    continue
                line = substitute_placeholders(line, self.placeholders)
            except MarkupError as error:
                raise BuildError(str(error), self.section.path, line_no) from None
            line = MATH_RE.sub(lambda m: self.math(m, line_no), line)
            if LONE_DOLLAR_RE.search(line):
                raise BuildError("a $ is never closed: maths goes between $...$ (inline) or $$...$$ on one line; "
                                 "write \\$ for a dollar sign", self.section.path, line_no)
            out.append(line)
        return out

    def math(self, match, line_no):
        display = "block" if match.group(1) == "$$" else "inline"
        try:
            mathml = to_mathml(match.group(2), display)
        except MathsError as error:
            raise BuildError(f"cannot typeset {match.group(0)}: {error}", self.section.path, line_no) from None
        return self.trusted.store(mathml)


class TrustedHtml(Postprocessor):
    """The build's own HTML in a section (widgets, typeset maths) stands in the Markdown as a token; once
    Markdown is done, the section's HTML (the author's) is sanitised, then the tokens are replaced, as
    Markdown's own stash would place them: a block (a widget) without the paragraph around it."""

    def __init__(self, md):
        super().__init__(md)
        self.nonce, self.blocks, self.block_level = secrets.token_hex(8), [], RawHtmlPostprocessor(md).isblocklevel

    def store(self, html):
        self.blocks.append(html)
        return f"trusted{self.nonce}n{len(self.blocks) - 1}z"

    def run(self, text):
        text = sanitise(text)
        for index, html in enumerate(self.blocks):
            token = f"trusted{self.nonce}n{index}z"
            if self.block_level(html):
                text = text.replace(f"<p>{token}</p>", html)
            text = text.replace(token, html)
        return text


def render_section(section, render_widget, widgets, placeholders):
    md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html")
    trusted = TrustedHtml(md)
    md.preprocessors.register(SectionPreprocessor(md, section, render_widget, widgets, placeholders, trusted),
                              "clip-section", 30)
    md.postprocessors.register(trusted, "clip-trusted", 5)  # last: after Markdown's own postprocessors
    return md.convert(section.body)


def widget_names(env):
    """The widgets an author may place: templates/widgets/*.html, less the _partials."""
    return sorted(t[len("widgets/"):-len(".html")] for t in env.list_templates()
                  if t.startswith("widgets/") and not t.startswith("widgets/_") and t.endswith(".html"))


def render_page(env, content, context):
    """The whole explainer as one HTML page (sections in file order). A widget whose HTML carries element
    ids (all of today's: the client finds them by id) may be placed once."""
    placed = {}  # widget name -> (path, line) of its first place

    def render_widget(name, path, line):
        if name in placed:
            first_path, first_line = placed[name]
            raise BuildError(f"widget {name!r} may appear only once (its HTML carries element ids) and is "
                             f"already placed at {first_path}:{first_line}", path, line)
        html = env.get_template(f"widgets/{name}.html").render(**context).strip()
        if ID_ATTRIBUTE_RE.search(html):
            placed[name] = (path, line)
        return html

    widgets, placeholders = widget_names(env), placeholder_values(context)
    sections = [dict(id=s.id, title=s.title, kicker=s.kicker,
                     html=render_section(s, render_widget, widgets, placeholders))
                for s in content.sections]
    return env.get_template("page.html").render(sections=sections, **context)


SVG_SIZE_RE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')


def svg_size(svg):
    match = SVG_SIZE_RE.search(svg)
    return (round(float(match.group(1))), round(float(match.group(2)))) if match else (640, 240)


def chart_sizes(charts, narrow=False):
    """{name: (width, height)} of each chart's static SVG (narrow: its narrow SVG, where it has one): the <img>
    that shows it until the live view takes its place reserves the same box, so nothing moves (CLS)."""
    if narrow:
        return {name: svg_size(chart.narrow_svg) for name, chart in charts.items() if chart.narrow_svg}
    return {name: svg_size(chart.svg) for name, chart in charts.items()}


def page_context(content, numbers, figures, charts, snapshot, default, seen_stats, view, views):
    """What the Jinja templates see: the site's settings, the snapshot (its JSON inline) and the default view
    in words and rows, so the page reads right before (and without) JavaScript: its sentences and table cells
    are the page's own (sentences.js, tokenlayout.js, through views). seen_stats: each photo's channel
    statistics from write_model_inputs ("What the model sees"); view: charts.default_rows."""
    p, t, k = default.index
    probs = numbers.probabilities[p, t, k]                        # (n_labels,)
    top = int(np.argmax(probs))
    rows = [dict(label=label, similarity=float(s), probability=float(q))
            for label, s, q in zip(content.default_labels, numbers.similarities[p, t], probs)]
    gap = figures.gap
    photo = snapshot["photos"][p]
    words = first_paint_words(content, numbers, figures, charts, snapshot, default, view, views)
    return dict(
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
        template_names=dict(zip([template.id for template in content.templates], view["template_names"])),
        gap_template=content.templates[t].text, gap_cloud_size=len(gap.cloud_names), **words,
        seen=dict(stats=seen_stats[photo["id"]], box=centre_crop_box(photo["width"], photo["height"])),
        preview=preview_tags(content.settings),
    )


def first_paint_words(content, numbers, figures, charts, snapshot, default, view, views):
    """The sentences and table cells the figures write, for the default view, from the page's own
    sentences.js and tokenlayout.js: two round trips (the token notes read the laid-out tokens)."""
    p, t, k = default.index
    tokens, template, gap, steps = snapshot["tokens"], content.templates[t], figures.gap, view["crowding_steps"]
    top = int(np.argmax(numbers.probabilities[p, t, k]))
    vectors = {name: [row["value"] for row in charts[name].rows] for name in ("image-vector", "text-vector")}
    sentences = {
        "template_verdict": ("templateVerdict", content.default_labels, view["template_names"],
                             numbers.probabilities[p, :, k], t),
        "gap_summary": ("gapSummary", gap.cosine_photos, gap.cosine_labels, gap.cosine_between),
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
    words, laid = dict(zip(sentences, answers)), answers[len(sentences):]
    notes = views.call(*[("sentences", "tokenNote", line, tokens["context_length"], len(content.ensemble_templates),
                          template.ensemble) for line in laid])
    rows = [dict(label=label, reads=reads, cut_note=cut_note,
                 pieces=[(tokens["pieces"][str(token["id"])], token["id"], token["kind"]) for token in line])
            for label, line, (reads, cut_note) in zip(content.default_labels, laid, notes)]
    words["vector_cells"] = {name: words.pop(f"{name}_cells") for name in vectors}
    return dict(words, token_rows=dict(context_length=tokens["context_length"], rows=rows))
