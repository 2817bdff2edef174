"""`make check`: every link and resource of the built site resolves to a file in it, and every #anchor
to an element id. Prints each broken reference as FILE: reference, exits 1 if there is any.

    python -m explainer.check SITE                        # the link check
    python -m explainer.check SITE --require-real-model   # the publishing guard: refuses a stand-in site
"""
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .errors import BuildError


class References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.refs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.refs.append(attrs[name])
        for candidate in (attrs.get("srcset") or "").split(","):
            if candidate.strip():
                self.refs.append(candidate.split()[0])


def broken_references(site):
    site = Path(site).resolve()
    pages = {}
    for path in sorted(site.rglob("*.html")):
        parser = References()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path] = parser
    broken = []
    for path, parser in pages.items():
        for ref in parser.refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc:
                continue  # another origin: only prose links do this, and the tests police the rest
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path.resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists() or site.resolve() not in target.parents:
                broken.append((path, ref, "no such file in the site"))
            elif parts.fragment and target in pages and parts.fragment not in pages[target].ids:
                broken.append((path, ref, f"no element with id {parts.fragment!r}"))
    return broken


MARKDOWN_LINK_RE = re.compile(r"\]\(\s*<?([^)\s>]+)")


def check_prose_links(site, sections):
    """Every relative link written in a section's Markdown must reach a file of the built site, and its
    #anchor an id on that page. Raises BuildError naming the Markdown file and line."""
    ids = {}
    for section in sections:
        for offset, line in enumerate(section.body.splitlines()):
            for target in MARKDOWN_LINK_RE.findall(line):
                parts = urlsplit(target)
                if parts.scheme or parts.netloc:
                    continue
                page = (Path(site) / unquote(parts.path)) if parts.path else Path(site) / "index.html"
                where = (section.path, section.body_line + offset)
                if page.is_dir():
                    page = page / "index.html"
                if not page.exists():
                    raise BuildError(f"broken link {target!r}: no such file in the site", *where)
                if parts.fragment and page.suffix == ".html":
                    if page not in ids:
                        parser = References()
                        parser.feed(page.read_text(encoding="utf-8"))
                        ids[page] = parser.ids
                    if parts.fragment not in ids[page]:
                        raise BuildError(f"broken link {target!r}: no element with id {parts.fragment!r} "
                                         f"(section ids: {', '.join(s.id for s in sections)})", *where)


def require_real_model(site):
    """The publishing guard: the site must have been built with real weights, not the stand-in."""
    model = json.loads((Path(site) / "data" / "embeddings.json").read_text())["model"]
    if model["stand_in"]:
        print(f"refusing to publish: {site}/ was built with the untrained stand-in ({model['name']}), "
              "not with CLIP. Build with the real weights: make build FALLBACK=0", file=sys.stderr)
        return 1
    print(f"{site}/ was built with {model['name']} (weights {model['fingerprint'][:12]})", file=sys.stderr)
    return 0


def main(site="site", *flags):
    if "--require-real-model" in flags:
        return require_real_model(site)
    broken = broken_references(site)
    for path, ref, why in broken:
        print(f"{path}: {ref}: {why}", file=sys.stderr)
    print(f"link check: {len(broken)} broken reference(s) in {site}/", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
