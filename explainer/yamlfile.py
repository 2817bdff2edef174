"""YAML with line numbers, so content errors can point at the line an author must fix."""
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


class _Loader(yaml.SafeLoader):
    pass


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
    loader = _Loader(text)
    loader.path = path
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + first_line if mark else None
        raise BuildError(f"malformed YAML: {getattr(error, 'problem', None) or error}", path, line) from None
    finally:
        loader.dispose()
    if first_line != 1:
        _shift(data, first_line - 1)
    return data


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


def read_yaml(path):
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BuildError(f"cannot read: {error}", path) from None
    return parse_yaml(text, path)


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
