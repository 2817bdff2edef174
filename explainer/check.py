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
from .markup import did_you_mean


class References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.refs, self.duplicate_ids = set(), [], []
        self.section_ids = []  # ids of <section> elements, in page order

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            if attrs["id"] in self.ids:
                self.duplicate_ids.append(attrs["id"])
            self.ids.add(attrs["id"])
            if tag == "section":
                self.section_ids.append(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.refs.append(attrs[name])
        for candidate in (attrs.get("srcset") or "").split(","):
            if candidate.strip():
                self.refs.append(candidate.split()[0])


def broken_references(site, counts=None):
    """[(page, reference, why)] for every reference that does not resolve and every duplicate id.
    counts, a dict, receives how many pages, links, anchors and ids were checked."""
    site = Path(site).resolve()
    pages = {}
    for path in sorted(site.rglob("*.html")):
        parser = References()
        parser.feed(path.read_text(encoding="utf-8"))
        pages[path] = parser
    broken = [(path, f"id={dup!r}", "duplicate id") for path, parser in pages.items() for dup in parser.duplicate_ids]
    counts = {} if counts is None else counts
    counts.update(pages=len(pages), links=0, anchors=0, ids=sum(len(p.ids) for p in pages.values()))
    for path, parser in pages.items():
        for ref in parser.refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc:
                continue  # another origin: only prose links do this, and the tests police the rest
            counts["links"] += 1
            counts["anchors"] += bool(parts.fragment)
            target = site_file(site, path.parent, parts.path) if parts.path else path.resolve()
            if target is None or not target.is_file():
                broken.append((path, ref, "no such file in the site"))
            elif parts.fragment and target in pages and parts.fragment not in pages[target].ids:
                broken.append((path, ref, f"no element with id {parts.fragment!r}"))
    return broken


MARKDOWN_LINK_RE = re.compile(r"\]\(\s*<?([^)\s>]+)")


def site_file(site, folder, path):
    """The file of the built site a link's path names, resolved from folder (a folder of the site), or None when
    it leaves the site: an absolute path ("/etc/passwd": the site may be served from any folder), "../.."
    past its root, a backslash. Nothing outside the site is ever opened."""
    site = Path(site).resolve()
    path = unquote(path)
    if path.startswith("/") or "\\" in path or "\0" in path:
        return None
    target = (Path(folder).resolve() / path).resolve()
    if not target.is_relative_to(site):
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.resolve().is_relative_to(site) else None


def check_prose_links(site, sections, pages=("index.html",)):
    """Every relative link written in a section's Markdown must reach a file of the built site, and its
    #anchor an id on that page; a bare #anchor an id on one of the site's pages (the build writes it as that
    page's address: render.link_across_pages). Raises BuildError naming the Markdown file and line."""
    ids = {}
    for section in sections:
        for offset, line in enumerate(section.body.splitlines()):
            for target in MARKDOWN_LINK_RE.findall(line):
                parts = urlsplit(target)
                if parts.scheme or parts.netloc:
                    continue
                page = site_file(site, site, parts.path or "index.html")
                if not parts.path and parts.fragment:  # the page of the site that holds the id, if one does
                    page = next((p for p in (site_file(site, site, name) for name in pages)
                                 if p and parts.fragment in page_ids(p, ids)), page)
                where = (section.path, section.body_line + offset)
                if page is None:
                    raise BuildError(f"broken link {target!r}: it leads out of the site (an absolute path or '..' "
                                     "past its folder); link to a file of the site with a relative path", *where)
                if not page.is_file():
                    raise BuildError(f"broken link {target!r}: no such file in the site", *where)
                if parts.fragment and page.suffix == ".html":
                    if parts.fragment not in page_ids(page, ids):
                        raise BuildError(missing_anchor_message(target, parts.fragment, ids[page], sections), *where)


def page_ids(page, ids):
    """The element ids of a page of the site, read once into ids ({path: set})."""
    if page not in ids:
        parser = References()
        parser.feed(page.read_text(encoding="utf-8"))
        ids[page] = parser.ids
    return ids[page]


def missing_anchor_message(target, fragment, page_ids, sections):
    """What a broken #anchor says: the closest id, the section ids, and the other ids a link may reach."""
    section_ids = [s.id for s in sections]
    others = sorted(page_ids - set(section_ids) - {f"{s}-title" for s in section_ids})
    hint = did_you_mean(fragment, page_ids, "'#{}'")
    return (f"broken link {target!r}: no element with id {fragment!r}{hint} (section ids: {', '.join(section_ids)};"
            f" other ids on the page, from widgets and headings: {', '.join(others)})")


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
    counts = {}
    broken = broken_references(site, counts)
    for path, ref, why in broken:
        print(f"{path}: {ref}: {why}", file=sys.stderr)
    print(f"link check of {site}/: {counts['pages']} page(s), {counts['links']} links and resources within the "
          f"site ({counts['anchors']} with an #anchor), {counts['ids']} element ids checked for duplicates; "
          f"{len(broken)} problem(s)", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
