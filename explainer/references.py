"""The page's bibliography: content/references.bib (BibTeX, read with pybtex) in, numbered citations out.

Stage 1 (read_references) checks the file and keeps each entry's line; stage 5 (Citations, one per page
render) numbers the entries in the order the prose first cites them with `[@key]`, writes each citation
with its card (shown on hover and focus, by CSS alone) and the bibliography. Every string from the .bib
file is escaped here: this HTML is made by the build, never by the author's raw HTML.
"""
import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape
from pybtex.database import parse_string
from pybtex.richtext import Text
from pybtex.scanner import PybtexError

from .errors import BuildError

CITATION_RE = re.compile(r"\[(@[\w:.-]+(?:\s*;\s*@[\w:.-]+)*)\]")  # [@a] or [@a; @b]
ENTRY_START_RE = re.compile(r"^\s*@\s*(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.M)


@dataclass(frozen=True)
class Reference:
    key: str
    authors: str      # "A. Radford, J. W. Kim and others", plain text
    title: str
    venue: str        # journal, booktitle, publisher or howpublished; may be ""
    year: str
    link: str         # https://doi.org/..., https://arxiv.org/abs/... or the entry's url; may be ""
    link_text: str    # "doi:10.23915/distill.00030", "arXiv:2103.00020" or the url
    line: int         # of the entry's @type{key, line in the file


def plain(latex):
    """A BibTeX field as plain text: braces and LaTeX accents resolved by pybtex."""
    return Text.from_latex(str(latex)).render_as("text").strip()


def author_list(entry):
    names = []
    for person in entry.persons.get("author", []):
        first = " ".join(plain(name) for name in person.first_names + person.middle_names)
        last = " ".join(plain(name) for name in person.prelast_names + person.last_names)
        names.append(f"{first} {last}".strip() if last != "others" else "others")
    if len(names) > 3:  # the card stays short: the first three, then "et al."
        return ", ".join(names[:3]) + " et al."
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def entry_link(fields):
    if fields.get("doi"):
        doi = plain(fields["doi"])
        return f"https://doi.org/{doi}", f"doi:{doi}"
    if fields.get("eprint") and plain(fields.get("archiveprefix", "arXiv")).lower() == "arxiv":
        eprint = plain(fields["eprint"])
        return f"https://arxiv.org/abs/{eprint}", f"arXiv:{eprint}"
    if fields.get("url"):
        url = plain(fields["url"])
        return url, url
    return "", ""


def read_references(path):
    """{key: Reference} from a BibTeX file, in file order; {} when the file does not exist."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        database = parse_string(text, "bibtex")
    except (OSError, UnicodeDecodeError) as error:
        raise BuildError(f"cannot read: {error}", path) from None
    except PybtexError as error:
        raise BuildError(f"not valid BibTeX: {error}", path, getattr(error, "lineno", None)) from None
    lines = {match.group(2).lower(): text[:match.start(2)].count("\n") + 1
             for match in ENTRY_START_RE.finditer(text) if match.group(1).lower() not in ("comment", "string")}
    references = {}
    for key, entry in database.entries.items():
        fields = {name.lower(): value for name, value in entry.fields.items()}
        line = lines.get(key.lower(), 1)
        for needed in ("title", "year"):
            if not fields.get(needed):
                raise BuildError(f"reference {key!r} needs a {needed} field", path, line)
        if not entry.persons.get("author"):
            raise BuildError(f"reference {key!r} needs an author field", path, line)
        venue = next((plain(fields[f]) for f in ("journal", "booktitle", "publisher", "howpublished") if fields.get(f)),
                     "")
        link, link_text = entry_link(fields)
        if link and not re.match(r"^https?://", link):
            raise BuildError(f"reference {key!r}: its url must start with http:// or https://", path, line)
        references[key] = Reference(key, author_list(entry), plain(fields["title"]), venue, plain(fields["year"]),
                                    link, link_text, line)
    return references


class Citations:
    """The citations of one page: numbers in order of first use, the cards, and the bibliography."""

    def __init__(self, references, path):
        self.references, self.path = references, path  # path: the .bib file, for "unused entry" errors
        self.numbers = {}   # key -> its number on the page
        self.count = 0      # citations written so far: each card gets its own id

    def cite(self, keys, known_hint):
        """HTML for one `[@a; @b]`. Raises KeyError(message) for a key the .bib file does not hold;
        known_hint(key) is the "did you mean" text."""
        parts = []
        for key in keys:
            if key not in self.references:
                raise KeyError(f"unknown citation key '@{key}'{known_hint(key)}: content/references.bib has no "
                               f"entry {key!r}")
            number = self.numbers.setdefault(key, len(self.numbers) + 1)
            self.count += 1
            card_id = f"cite-card-{self.count}"
            parts.append(Markup('<span class="cite"><a class="cite-link" href="#ref-{key}" aria-describedby="{card}" '
                                'data-cite="{key}">{number}</a><span class="cite-card" role="tooltip" id="{card}">'
                                '{card_text}</span></span>').format(key=key, card=card_id, number=number,
                                                                    card_text=self.card(self.references[key])))
        return Markup('<span class="citation">[') + Markup(", ").join(parts) + Markup("]</span>")

    @staticmethod
    def card(ref):
        venue = f" {ref.venue}," if ref.venue else ""
        return escape(f"{ref.authors.rstrip('.')}. {ref.title}.{venue} {ref.year}.")

    def check_all_used(self):
        for key, ref in self.references.items():
            if key not in self.numbers:
                raise BuildError(f"reference {key!r} is never cited: cite it with [@{key}] in a section or remove "
                                 "the entry", self.path, ref.line)

    def bibliography(self):
        """[{number, key, authors, title, venue, year, link, link_text}] in citation order."""
        return [dict(vars(self.references[key]), number=number)
                for key, number in sorted(self.numbers.items(), key=lambda item: item[1])]
