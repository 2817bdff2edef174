"""Stage 5, render: Markdown sections -> HTML (maths -> MathML at build time), placed in Jinja templates.

In a section, a line `::: name` places the interactive widget templates/widgets/name.html there.
page_context() is everything the templates can use (the snapshot's `model` gives the checkpoint's sizes:
`model.dim`, `model.context_length`, `model.image_size`, `model.patch_size`).
"""
import json
import re

import jinja2
import latex2mathml.converter
import markdown
import numpy as np
from markdown.preprocessors import Preprocessor

from .charts import template_name
from .errors import BuildError
from .tokens import token_rows

MATH_RE = re.compile(r"(?<![\\$])(\$\$?)(?=\S)(.+?)(?<=\S)\1", re.S)
WIDGET_RE = re.compile(r"^:::\s*([a-z0-9-]+)\s*$")


def make_environment(templates_dir):
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)


class SectionPreprocessor(Preprocessor):
    """Turns `$...$`, `$$...$$` and `::: widget` lines into stashed HTML, with errors naming the line."""

    def __init__(self, md, section, render_widget):
        super().__init__(md)
        self.section, self.render_widget = section, render_widget

    def run(self, lines):
        out = []
        for offset, line in enumerate(lines):
            line_no = self.section.body_line + offset
            widget = WIDGET_RE.match(line)
            if widget:
                html = self.render_widget(widget.group(1), self.section.path, line_no)
                out += ["", self.md.htmlStash.store(html), ""]
            else:
                out.append(MATH_RE.sub(lambda m: self.math(m, line_no), line))
        return out

    def math(self, match, line_no):
        display = "block" if match.group(1) == "$$" else "inline"
        try:
            mathml = latex2mathml.converter.convert(match.group(2), display=display)
        except Exception as error:  # latex2mathml raises many types for bad LaTeX
            reason = re.sub(r"(?<!^)(?=[A-Z])", " ", type(error).__name__).lower()  # "missing end error"
            raise BuildError(f"cannot typeset {match.group(0)!r} ({reason}{': ' if str(error) else ''}{error})",
                             self.section.path, line_no) from None
        return self.md.htmlStash.store(mathml)


def render_section(section, render_widget):
    md = markdown.Markdown(extensions=["tables", "attr_list", "sane_lists", "smarty"], output_format="html")
    md.preprocessors.register(SectionPreprocessor(md, section, render_widget), "clip-section", 30)
    return md.convert(section.body)


def render_page(env, content, context):
    """The whole explainer as one HTML page (sections in file order)."""

    def render_widget(name, path, line):
        try:
            template = env.get_template(f"widgets/{name}.html")
        except jinja2.TemplateNotFound:
            known = sorted(t[len("widgets/"):-len(".html")] for t in env.list_templates()
                           if t.startswith("widgets/") and not t.startswith("widgets/_"))
            raise BuildError(f"unknown widget {name!r}; known widgets: {', '.join(known)}", path, line) from None
        return template.render(**context).strip()

    sections = [dict(id=s.id, title=s.title, kicker=s.kicker, html=render_section(s, render_widget))
                for s in content.sections]
    return env.get_template("page.html").render(sections=sections, **context)


def page_context(content, numbers, figures, charts, snapshot, default):
    """What the Jinja templates see: the site's settings, the snapshot (its JSON inline) and the default view
    in words and rows, so the page reads right before (and without) JavaScript."""
    p, t, k = default["photo_index"], default["template_index"], content.default_tau_index
    probs = numbers.probabilities[p, t, k]                        # (n_labels,)
    top = int(np.argmax(probs))
    rows = [dict(label=label, similarity=float(s), probability=float(q))
            for label, s, q in zip(content.default_labels, numbers.similarities[p, t], probs)]
    gap = figures.gap
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
        gap_template=content.templates[t].text, gap_cloud_size=len(gap.cloud_names),
        gap_summary=(f"Mean cosine between two photos: {gap.cosine_photos:.3f}; between two label texts: "
                     f"{gap.cosine_labels:.3f}; between a photo and a label text: {gap.cosine_between:.3f}."),
        crowding_rows=figures.crowding_example,
    )


def template_verdict(content, probs, top):
    """The words under the template comparison: best and worst template for the top label.
    probs: (n_templates, n_labels) for the default photo and temperature."""
    names = [template_name(t, len(content.ensemble_templates)) for t in content.templates]
    best, worst = int(np.argmax(probs[:, top])), int(np.argmin(probs[:, top]))
    return (f"For the top label “{content.default_labels[top]}”, the best template is “{names[best]}” "
            f"({100 * probs[best, top]:.1f}%) and the worst is “{names[worst]}” ({100 * probs[worst, top]:.1f}%): "
            f"a difference of {100 * (probs[best, top] - probs[worst, top]):.1f} percentage points.")
