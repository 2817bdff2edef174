"""Stage 5, render: Markdown sections -> HTML (maths -> MathML at build time), placed in Jinja templates.

In a section, a line `::: name` places the interactive widget templates/widgets/name.html there.
"""
import re

import jinja2
import latex2mathml.converter
import markdown
from markdown.preprocessors import Preprocessor

from .errors import BuildError

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
