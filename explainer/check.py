"""`make check`: every link and resource of the built site resolves to a file in it, and every #anchor
to an element id. Prints each broken reference as FILE: reference, exits 1 if there is any."""
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


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
    site = Path(site)
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
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists() or site.resolve() not in target.parents:
                broken.append((path, ref, "no such file in the site"))
            elif parts.fragment and target in pages and parts.fragment not in pages[target].ids:
                broken.append((path, ref, f"no element with id {parts.fragment!r}"))
    return broken


def main(site="site"):
    broken = broken_references(site)
    for path, ref, why in broken:
        print(f"{path}: {ref}: {why}", file=sys.stderr)
    print(f"link check: {len(broken)} broken reference(s) in {site}/", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
