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
from pybtex.bibtex.utils import split_name_list
from pybtex.database.input.bibtex import LowLevelParser, Parser
from pybtex.richtext import Text
from pybtex.scanner import PybtexError

from .errors import BuildError

CITATION_RE = re.compile(r"\[(@[\w:.-]+(?:\s*;\s*@[\w:.-]+)*)\]")  # [@a] or [@a; @b]
# The defaults of settings.yaml's limits on references.bib (docs/authoring.md, "Limits"): a hostile file
# (an @string doubled 30 times expands to a gigabyte) is refused in well under a second.
BIB_LIMIT_DEFAULTS = dict(references_bytes=200_000, references_entries=500, reference_authors=100,
                          reference_field_length=10_000)


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


class BibLimit(Exception):
    """A limit on references.bib crossed at a line (the reader turns it into a BuildError)."""

    def __init__(self, message, line):
        super().__init__(message)
        self.message, self.line = message, line


class BoundedLowLevelParser(LowLevelParser):
    """pybtex's scanner, with every value (a field or an @string, after expanding the @strings it uses and
    joining its `#` parts) bounded as it grows, and the line of each entry's `@` kept."""

    def __init__(self, text, limits, **kwargs):
        super().__init__(text, **kwargs)
        self.limits, self.command_line = limits, 1

    def parse_command(self):
        self.command_line = self.lineno  # skip_to has just counted the lines up to this `@`
        return super().parse_command()

    def parse_value(self):
        most, length, parts = self.limits["reference_field_length"], 0, [self.parse_value_part()]
        while True:
            length += len(parts[-1])
            if length > most:
                raise BibLimit(f"a value (with the @string macros it uses) is longer than {most:,} characters, "
                               "the limit (settings.yaml, limits: reference_field_length)", self.lineno)
            if not self.optional([self.HASH]):
                break
            parts.append(self.parse_value_part())
        self.current_value = parts


class BoundedParser(Parser):
    """pybtex's BibTeX reader over BoundedLowLevelParser, counting entries and authors as they come."""

    def __init__(self, limits, **kwargs):
        super().__init__(**kwargs)
        self.limits, self.lines = limits, {}  # lines: {key: line of its @}

    def parse_string(self, text):
        self.unnamed_entry_counter = 1
        scanner = BoundedLowLevelParser(text, self.limits, handle_error=self.handle_error, macros=self.macros,
                                        want_entry=self.data.want_entry, filename=self.filename)
        for entry_type, body in scanner:
            kind = entry_type.lower()
            if kind == "preamble":
                self.process_preamble(*body)
            elif kind != "string":
                key, fields = body
                if len(self.lines) >= self.limits["references_entries"]:
                    raise BibLimit(f"more than {self.limits['references_entries']:,} entries, the limit "
                                   "(settings.yaml, limits: references_entries)", scanner.command_line)
                for name, value in fields:
                    if name.lower() in self.person_fields and len(split_name_list("".join(value))) > \
                            self.limits["reference_authors"]:
                        raise BibLimit(f"reference {key!r} has more than {self.limits['reference_authors']:,} "
                                       f"names in its {name} field, the limit (settings.yaml, limits: "
                                       "reference_authors)", scanner.command_line)
                self.lines.setdefault(str(key).lower(), scanner.command_line)
                self.process_entry(entry_type, key, fields)
        return self.data


def read_bibtex(path, limits):
    """(pybtex BibliographyData, {key (lower case): line}) of the file, within limits; raises BuildError."""
    most = limits["references_bytes"]
    try:
        with open(path, "rb") as file:
            data = file.read(most + 1)  # never more than the limit into memory
        if len(data) > most:
            raise BuildError(f"the file is larger than {most:,} bytes, the limit (settings.yaml, limits: "
                             "references_bytes)", path, data[:most].count(b"\n") + 1)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BuildError(f"cannot read: {error}", path) from None
    parser = BoundedParser(limits)
    try:
        return parser.parse_string(text), parser.lines
    except BibLimit as error:
        raise BuildError(error.message, path, error.line) from None
    except PybtexError as error:
        raise BuildError(f"not valid BibTeX: {error}", path, getattr(error, "lineno", None)) from None


def read_references(path, limits=None):
    """{key: Reference} from a BibTeX file, in file order; {} when the file does not exist.
    limits: settings.yaml's limits (the references_* and reference_* ones; BIB_LIMIT_DEFAULTS if left out)."""
    path = Path(path)
    if not path.exists():
        return {}
    database, lines = read_bibtex(path, {**BIB_LIMIT_DEFAULTS, **(limits or {})})
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
