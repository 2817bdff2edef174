"""Text the way CLIP's own tokenizer cleans it before BPE (openai/CLIP, simple_tokenizer.py):
ftfy.fix_text, html.unescape twice, strip, and runs of whitespace to one space. Hugging Face's fast
tokenizer skips this, so "ﬁsh" (a ligature) or "&amp;" would get ids CLIP never saw in training.

Lowercasing, CLIP's last step, is left to the tokenizer's own normaliser (tokenizer.json lowercases), so
that the cleaned text of a plain-ASCII prompt is the prompt itself and keeps its embedding cache key.
Twin of templates/assets/live/clean.js (tests/test_live_tokenizer.py runs both).
"""
import html
import html.entities
import re

import ftfy

WHITESPACE = re.compile(r"\s+")


def clean(text):
    """A prompt or label -> the text CLIP's tokenizer would encode (before lowercasing)."""
    if text.isascii() and text.isprintable() and "&" not in text:
        # nothing for ftfy or html.unescape to change (no entity, control character, line break or
        # non-ASCII character), and a build cleans some 40,000 prompts: only the spaces to tidy
        return " ".join(text.split())
    text = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
    return WHITESPACE.sub(" ", text).strip()


def html_entities():
    """Every HTML5 named character reference, {'amp;': '&', 'amp': '&', ...}, as html.unescape knows them:
    the browser's clean() reads this table (site/live/entities.json) instead of carrying its own copy."""
    return dict(html.entities.html5)
