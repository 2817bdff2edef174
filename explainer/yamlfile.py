"""YAML with line numbers, so content errors can point at the line an author must fix, read safely: no
tags beyond plain data (yaml.SafeLoader), and bounded, so that a hostile file is refused with its line in
well under a second instead of running the build out of memory or stack ("billion laughs", deep nesting).
"""
import re

import yaml

from .errors import BuildError
from .markup import did_you_mean


class Mapping(dict):
    """A YAML mapping that remembers the line of itself and of each key (1-based)."""
    line = None
    key_lines = None


class Sequence(list):
    line = None
    item_lines = None


MAX_ALIASES = 100       # `*name` references in one file (content/ needs none; a few are harmless)
MAX_NODES = 100_000     # values in one file once every alias is expanded (the real content has ~1,000)
MAX_DEPTH = 32          # nesting of lists and mappings (the real content nests 3 deep)
MAX_CHARACTERS = 1_000_000  # in one YAML file or front matter (the real content's largest has ~3,000)
QUOTED_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\n]|\'\')*\'')
BRACKET_RE = re.compile(r"[\[\]{}\n]")


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts aliases and nesting while it composes, before anything is constructed."""
    aliases = depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise BuildError(f"more than {MAX_ALIASES} YAML aliases (*name); write the values out",
                                 getattr(self, "path", None), event.start_mark.line + self.first_line)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if self.depth >= MAX_DEPTH:
                raise BuildError(f"values nested more than {MAX_DEPTH} deep", getattr(self, "path", None),
                                 event.start_mark.line + self.first_line)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def expanded_size(root):
    """How many values root stands for once every alias is expanded, counted without expanding: each
    node's size is computed once (children first) however often aliases repeat it."""
    sizes, stack = {}, [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in sizes:
            continue
        if ready:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children(node))
        else:  # LIFO: everything pushed now is sized before this node's (node, True) is popped
            stack.append((node, True))
            stack.extend((child, False) for child in children(node) if id(child) not in sizes)
    return sizes[id(root)]


def children(node):
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _mapping(loader, node):
    loader.flatten_mapping(node)
    out = Mapping()
    out.line, out.key_lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise BuildError(f"duplicate key {key!r}", getattr(loader, "path", None), key_node.start_mark.line + 1)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader, node):
    out = Sequence(loader.construct_object(child, deep=True) for child in node.value)
    out.line, out.item_lines = node.start_mark.line + 1, [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def parse_yaml(text, path, first_line=1):
    """Parse YAML text; errors name path and line (first_line shifts lines for front matter)."""
    if len(text) > MAX_CHARACTERS:
        raise BuildError(f"{len(text):,} characters of YAML, over the limit of {MAX_CHARACTERS:,}", path, first_line)
    check_flow_depth(text, path, first_line)
    loader = _Loader(text)
    loader.path, loader.first_line = path, first_line
    try:
        node = loader.get_single_node()
        if node is not None and expanded_size(node) > MAX_NODES:
            raise BuildError(f"the YAML expands to more than {MAX_NODES:,} values (aliases, *name, repeat "
                             "their anchor's value); write the values out", path, node.start_mark.line + first_line)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + first_line if mark else None
        raise BuildError(f"malformed YAML: {getattr(error, 'problem', None) or error}", path, line) from None
    finally:
        loader.dispose()
    if first_line != 1:
        _shift(data, first_line - 1)
    return data


def check_flow_depth(text, path, first_line):
    """Refuse [[[[...]]]] nested deeper than MAX_DEPTH before PyYAML's scanner meets it (it looks 1,024
    characters ahead at every open bracket: slow); quoted strings are left out of the count."""
    depth, line = 0, first_line
    for match in BRACKET_RE.finditer(QUOTED_RE.sub("", text)):
        char = match.group()
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise BuildError(f"values nested more than {MAX_DEPTH} deep", path, line)
        else:
            depth = max(depth - 1, 0)


def _shift(node, offset):
    if isinstance(node, Mapping):
        node.line += offset
        node.key_lines = {k: v + offset for k, v in node.key_lines.items()}
        for value in node.values():
            _shift(value, offset)
    elif isinstance(node, Sequence):
        node.line += offset
        node.item_lines = [v + offset for v in node.item_lines]
        for value in node:
            _shift(value, offset)


def read_text(path, max_bytes=None):
    """A content file's text, a leading BOM dropped and line endings made "\\n". Refused with file:line: a file over
    max_bytes (checked before reading it), one that is not a regular file (a FIFO would hang the build), bytes
    that are not UTF-8."""
    if path.exists() and not path.is_file():
        raise BuildError("not a regular file (a folder, a FIFO or a device)", path)
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise BuildError(f"the file has {size:,} bytes, over the limit of {max_bytes:,}", path)
        data = path.read_bytes()
    except OSError as error:
        raise BuildError(f"cannot read: {error.strerror or error}", path) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        raise BuildError(f"not valid UTF-8: byte 0x{data[error.start]:02x} at column {error.start - line_start + 1}; "
                         "save the file as UTF-8", path, data.count(b"\n", 0, error.start) + 1) from None
    # an editor's byte order mark and Windows (CRLF) or old Mac (CR) line endings: the same text as LF
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def read_yaml(path):
    return parse_yaml(read_text(path, MAX_CHARACTERS * 4), path)  # 4: the most bytes of one UTF-8 character


def check_keys(mapping, path, required, optional=(), what="record"):
    """Refuse unknown keys (typos) and missing required ones, naming the line."""
    if not isinstance(mapping, Mapping):
        raise BuildError(f"expected a {what} (key: value pairs)", path, getattr(mapping, "line", None))
    for key in mapping:
        if key not in required and key not in optional:
            allowed = sorted(set(required) | set(optional))
            hint = did_you_mean(str(key), allowed, "'{}'")
            raise BuildError(f"unknown key {key!r} in {what}{hint}; allowed keys: {', '.join(allowed)}",
                             path, mapping.key_lines[key])
    for key in required:
        if key not in mapping:
            raise BuildError(f"{what} is missing {key!r}", path, mapping.line)
        if mapping[key] is None or not str(mapping[key]).strip():
            raise BuildError(f"{key!r} in {what} is empty; give it a value", path, mapping.key_lines[key])
