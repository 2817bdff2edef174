"""LaTeX -> MathML at build time, strictly: a mistake fails the build in plain words instead of landing on
the page as `<mi>\\taux</mi>` or a literal dollar sign.

latex2mathml (what converts) is lenient: it prints unknown macros as identifiers and accepts `x^^2` or
`\\frac{a}`. So every snippet is first checked against latex2mathml's own tables (its commands and its
Unicode symbol list), then converted; the library's remaining exceptions are put in words too.

latex2mathml writes its own symbols as character references ("&#x0003C;") and then unescapes its whole
output, so the text of `\\text{}`, `\\mbox{}`, `\\textbf{}`... would reach the page as raw HTML. to_mathml
serialises the tree itself instead: the library's references stay, everything an author wrote is escaped;
the result then goes through a MathML allowlist (explainer/markup.py, sanitise_mathml).
"""
import difflib
import html
import re
from xml.etree.ElementTree import tostring

import latex2mathml.converter
from latex2mathml import commands, exceptions
from latex2mathml.symbols_parser import parse_symbols
from latex2mathml.tokenizer import tokenize


class MathsError(ValueError):
    """A snippet that cannot be typeset; the message is plain words (the caller adds file and line)."""


def _known_commands():
    """Every backslash command latex2mathml understands: its command tables and its symbol list."""
    known = {name for name in parse_symbols() if name.startswith("\\")}
    for value in vars(commands).values():
        members = value if isinstance(value, (tuple, list, set, frozenset, dict)) else [value]
        known |= {m for m in members if isinstance(m, str) and m.startswith("\\")}
    return known


KNOWN_COMMANDS = _known_commands()
ARGUMENTS = {**{c: 1 for c in commands.COMMANDS_WITH_ONE_PARAMETER},
             **{c: 2 for c in commands.COMMANDS_WITH_TWO_PARAMETERS}}
LIBRARY_REFERENCE_RE = re.compile(r"&amp;(#x[0-9A-Fa-f]+;)")  # "&#x0003C;" the library wrote, once escaped
ESCAPED_CHARACTER_RE = re.compile(r"^\\[^A-Za-z]$")  # \{ \, \| \! ...: one non-letter after the backslash
PLAIN_WORDS = {  # latex2mathml's exceptions, for an author
    exceptions.NumeratorNotFoundError: "a fraction has no numerator",
    exceptions.DenominatorNotFoundError: "a fraction has no denominator",
    exceptions.ExtraLeftOrMissingRightError: r"a \left has no matching \right",
    exceptions.MissingSuperScriptOrSubscriptError: "a ^ or _ has nothing after it",
    exceptions.DoubleSubscriptsError: "two subscripts in a row; group them with braces",
    exceptions.DoubleSuperscriptsError: "two superscripts in a row; group them with braces",
    exceptions.NoAvailableTokensError: "the formula ends too early (a command is missing its argument)",
    exceptions.MissingEndError: r"a \begin has no matching \end",
    exceptions.LimitsMustFollowMathOperatorError: r"\limits must follow an operator such as \sum",
}


def to_mathml(latex, display):
    """latex (without the dollars) -> a MathML string; raises MathsError saying what is wrong."""
    tokens = list(tokenize(latex))
    check_commands(tokens)
    check_braces(tokens)
    check_scripts_and_arguments(tokens)
    try:
        tree = latex2mathml.converter.convert_to_element(latex, display=display)
    except Exception as error:  # latex2mathml raises many types for bad LaTeX
        raise MathsError(PLAIN_WORDS.get(type(error), "latex2mathml cannot convert it")) from None
    # escaped once by tostring (an author's "<" is "&lt;"), then only the library's own references restored
    return LIBRARY_REFERENCE_RE.sub(r"&\1", tostring(tree, encoding="unicode"))


def maths_text(latex):
    """The text the maths shows, as one string (each element's text, spaces between): what the raw-HTML check
    reads in place of the maths, so that strict mode refuses in \\text{} what it refuses outside maths.
    Maths that cannot be typeset gives '' here (the render step refuses it, with its line)."""
    try:
        tree = latex2mathml.converter.convert_to_element(latex)
    except Exception:  # noqa: BLE001 (the render step says what is wrong)
        return ""
    # the library's references decoded, its no-break spaces (how it writes a space in \\text) as spaces
    return html.unescape(" ".join(tree.itertext())).replace("\xa0", " ")


def check_commands(tokens):
    for token in tokens:
        if token == "$":
            raise MathsError("a $ inside the maths: a $ before it was never closed, or write \\$ for a dollar sign")
        if token.startswith("\\") and token not in KNOWN_COMMANDS and not ESCAPED_CHARACTER_RE.match(token):
            close = difflib.get_close_matches(token, KNOWN_COMMANDS, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise MathsError(f"unknown command {token}{hint}")


def check_braces(tokens):
    depth = 0
    for token in tokens:
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            raise MathsError("a closing brace } has no opening brace {")
    if depth:
        raise MathsError(f"{depth} opening brace{'s' if depth > 1 else ''} {{ not closed")


def check_scripts_and_arguments(tokens):
    """Every ^ and _ has something after it, and every command gets as many arguments as it takes."""
    for i, token in enumerate(tokens):
        if token in ("^", "_"):
            after = tokens[i + 1:i + 3]
            if not after or after[0] in ("^", "_", "}") or after[:2] == ["{", "}"]:
                raise MathsError(f"empty {'superscript' if token == '^' else 'subscript'}: "
                                 f"{token} needs something after it")
        if token in ARGUMENTS:
            found = count_arguments(tokens, i + 1, ARGUMENTS[token])
            if found < ARGUMENTS[token]:
                raise MathsError(f"{token} takes {ARGUMENTS[token]} argument{'s' if ARGUMENTS[token] > 1 else ''}"
                                 f" in braces, found {found}")


def count_arguments(tokens, start, wanted):
    """How many arguments (a braced group or one token) follow position start, up to wanted."""
    found, i = 0, start
    while found < wanted and i < len(tokens) and tokens[i] not in ("}", "^", "_", "&", "\\\\"):
        if tokens[i] == "[" and found == 0 and tokens[start - 1] == "\\sqrt":
            i = tokens.index("]", i) + 1 if "]" in tokens[i:] else len(tokens)  # \sqrt[n]{x}: optional
            continue
        if tokens[i] == "{":
            depth = 0
            while i < len(tokens):
                depth += {"{": 1, "}": -1}.get(tokens[i], 0)
                i += 1
                if depth == 0:
                    break
        else:
            i += 1
        found += 1
    return found
