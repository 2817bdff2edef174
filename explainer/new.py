"""`make new SECTION=name`: write content/sections/NN-name.md after the last section, as a draft with
valid front matter (id, title, kicker, draft: true). `make serve` shows it; `make build` leaves it out
until its `draft: true` line is removed.

    python -m explainer.new NAME [--sections content/sections]
"""
import argparse
import re
import sys
from pathlib import Path

from .content import ID_RE

NUMBER_RE = re.compile(r"^(\d+)-")

TEMPLATE = """---
id: {id}
title: "{title}"
kicker: ""
# A draft is built by `make serve` and left out of `make build`; delete this line to publish it.
draft: true
---
Write the section here, in Markdown: `$...$` is maths, a line `::: name` places a widget, and a
placeholder such as photos.count in double braces inserts a number from the content or the model
(docs/authoring.md lists them all).
"""


def new_section(name, folder):
    """Writes the file and returns its path; raises ValueError for a bad name or an existing id."""
    if not ID_RE.match(name):
        raise ValueError(f"section name {name!r} must be lowercase letters, digits and - (it becomes the id)")
    folder = Path(folder)
    existing = sorted(folder.glob("*.md"))
    if any(re.sub(NUMBER_RE, "", p.stem) == name for p in existing):
        raise ValueError(f"a section named {name!r} exists already in {folder}/")
    numbers = [int(m.group(1)) for p in existing if (m := NUMBER_RE.match(p.name))]
    width = max([len(m.group(1)) for p in existing if (m := NUMBER_RE.match(p.name))] or [2])
    path = folder / f"{(max(numbers) + 1 if numbers else 0):0{width}d}-{name}.md"
    path.write_text(TEMPLATE.format(id=name, title=name.replace("-", " ").capitalize()), encoding="utf-8")
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name")
    parser.add_argument("--sections", default="content/sections")
    args = parser.parse_args(argv)
    try:
        path = new_section(args.name, args.sections)
    except ValueError as error:
        print(f"make new: {error}", file=sys.stderr)
        return 1
    print(f"wrote {path} (a draft: `make serve` shows it, `make build` leaves it out until you delete "
          "its `draft: true` line)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
