"""Live mode's text path in JavaScript (templates/assets/live/clean.js and tokenize.js, run in Node)
against Python's: the build's cleaning (explainer/textclean.py, ftfy) and the checkpoint's tokenizer."""
import json
import subprocess
from pathlib import Path

import pytest

from explainer.content import read_content
from explainer.live import tokenizer_for
from explainer.textclean import clean, html_entities

ROOT = Path(__file__).resolve().parent.parent
NODE_SCRIPT = ROOT / "tests" / "live_in_node.mjs"

# accents (composed and not), ligatures, full-width forms, curly quotes, HTML entities (nested, without
# ';', upper-case, numeric, invalid), control characters, emoji with joiners, CJK, Korean, texts past 77 tokens
AWKWARD = ["ﬁsh and chips", "Ｆｕｌｌ　ｗｉｄｔｈ", "“curly” ‘quotes’ and ʼ", "cafe\u0301 au lait", "Crème brûlée",
           "fish &amp; chips", "&amp;amp;lt;b&amp;amp;gt;", "&lt;b&gt;bold", "a <b> tag &amp; more", "P&EACUTE;REZ",
           "&eacute &ampxyz &#233; &#xe9; &#128;", "&#0; &#x110000; &#1;x", "tabs\tand\nnew\r\nlines\u2028here",
           "  lots   of   space  ", "zero\u200bwidth", "bom\ufeffhere", "\x1b[36mblue\x1b[0m", "emoji 🍣🕷️👩‍🍳",
           "寿司を食べるタランチュラ", "한국어 라벨", "Ĳssel ǅemal", "ＡＢＣ！？",
           "&NTILDE; &nTILDE; &frac12; &FRAC12;", "&notit; &not it", "ß &SZLIG;", "x" * 400,
           " ".join(["tarantula eating sushi"] * 30), "tarantula eating sushi", "Tarantula   EATING sushi", ""]


def node(request):
    result = subprocess.run(["node", str(NODE_SCRIPT)], input=json.dumps(request), capture_output=True,
                            text=True, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def entities(tmp_path_factory):
    path = tmp_path_factory.mktemp("live") / "entities.json"
    path.write_text(json.dumps(html_entities(), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def content():
    return read_content(ROOT / "content", ROOT / "photos")


def test_clean_matches_python_on_awkward_text(entities):
    assert node({"clean": AWKWARD, "entities": str(entities)}) == [clean(t) for t in AWKWARD]


def test_clean_matches_python_on_every_vocabulary_label(entities, content):
    labels = content.vocabulary
    assert node({"clean": labels, "entities": str(entities)}) == [clean(t) for t in labels]


def test_clean_does_what_clip_needs():
    assert clean("ﬁsh &amp;amp; chips") == "fish & chips"
    assert clean(" Ｃａｆé\u3000“au” lait ") == 'Café "au" lait'


def python_ids(stand_in, texts):
    tokenizer = tokenizer_for(stand_in)
    return [e.ids for e in tokenizer.encode_batch([clean(t) for t in texts])]


def test_ids_match_python_for_every_label_under_every_template(entities, content, stand_in):
    texts = [template.fill(label) for template in content.templates if not template.ensemble
             for label in content.vocabulary]
    texts += [t.replace("{label}", label) for t in content.ensemble_templates[:4] for label in content.vocabulary]
    got = node({"ids": texts, "entities": str(entities), "tokenizer": str(stand_in.folder / "tokenizer.json"),
                "context_length": stand_in.shape.context_length})
    expected = python_ids(stand_in, texts)
    mismatched = [t for t, a, b in zip(texts, got, expected, strict=True) if a != b]
    assert not mismatched, mismatched[:5]


def test_ids_match_python_and_the_build_for_awkward_text(entities, stand_in):
    got = node({"ids": AWKWARD, "entities": str(entities), "tokenizer": str(stand_in.folder / "tokenizer.json"),
                "context_length": stand_in.shape.context_length})
    assert got == python_ids(stand_in, AWKWARD)
    # the embed step's tokenizer (transformers' CLIPTokenizer) reads the same ids, cut at the same place
    from transformers import CLIPTokenizer
    reference = CLIPTokenizer.from_pretrained(stand_in.folder)
    assert got == reference([clean(t) for t in AWKWARD], truncation=True, max_length=77)["input_ids"]
    assert max(map(len, got)) == 77  # the long ones were cut, keeping the end token


def test_the_plain_ascii_shortcut_cleans_as_ftfy_does():
    """clean() skips ftfy for printable ASCII without '&' (a build cleans ~40,000 prompts): the result must
    be what the full cleaning gives, on seeded random texts and a few hand-picked ones."""
    import html
    import random
    import re
    import string

    import ftfy

    def full(text):
        return re.sub(r"\s+", " ", html.unescape(html.unescape(ftfy.fix_text(text))).strip()).strip()

    rng = random.Random(11)
    texts = ["".join(rng.choice(string.printable[:95]) for _ in range(rng.randint(0, 40))) for _ in range(5000)]
    texts += ["  a   photo of a {label}. ", "it's a 'cat'", '"quoted"', "<b>bold</b>", "a--b", "x;y#z"]
    assert [clean(t) for t in texts] == [full(t) for t in texts]
