"""Each rule once (issue 31): what the build and the page both need is written in one place, or once per language
and tested equal here. The label and context lengths reach the page through the snapshot (tests/test_store.py);
the first paint's numbers are formatted by sentences.js in Node (views.py PageNumbers), never by Jinja."""
import re

from conftest import ROOT

from explainer.content import Template
from explainer.views import Views

ASSETS = ROOT / "templates" / "assets"
# a label as a reader may type it: replace()'s patterns, the placeholder itself, braces, astral characters
AWKWARD = ["cat", "$&", "$1 and $$", "{label}", "a {label} b", "}{", "🐈‍⬛ cat", "x" * 64, ""]


def client_code(path):
    return re.sub(r"//[^\n]*|/\*.*?\*/", "", path.read_text(), flags=re.S)


def test_template_filling_is_the_same_in_python_and_javascript():
    texts = [t.strip()[len("- "):].strip("'\"") for t in (ROOT / "content" / "templates.yaml").read_text()
             .splitlines() if "{label}" in t and t.strip().startswith("- ")]
    texts += ["a photo of a {label}.", "{label}", "{label} and {label}", "$& {label} $'"]
    cases = [(text, label) for text in texts for label in AWKWARD]
    with Views(ASSETS) as views:
        got = views.call(*[("sentences", "fillTemplate", text, label) for text, label in cases])
    assert got == [Template("t", text).fill(label) for text, label in cases]
    for path in ASSETS.rglob("*.js"):  # the page's one filling (fillTemplate): no other
        if "vendor" not in path.parts and path.name != "sentences.js":
            assert not re.search(r"split\('\{label\}'\)\.join|replace\('\{label\}'", client_code(path)), path.name


def test_a_stamps_key_is_made_in_one_place():
    """The typed stamp's key (photo, placement, word) is rules/stamp.js's stampKey: the store's typed stamps
    (state/attackstate.js) and the stamps made in the page (ui/stamping.js) use it, and no module writes it again."""
    for path in ASSETS.rglob("*.js"):
        if "vendor" not in path.parts and path.name != "stamp.js":
            assert not re.search(r"\\n\$\{placement\}\\n", client_code(path)), path.name
    for name in ("state/attackstate.js", "ui/stamping.js"):
        assert re.search(r"import \{[^}]*\bstampKey\b[^}]*\} from '\.\./rules/stamp\.js'", (ASSETS / name).read_text())


def test_no_jinja_number_format():
    """The first paint's numbers come from the page's rules (fmt.threeDigits, fmt.percent, fmt.fixed,
    fmt.megabytes): "%.3g" and threeDigits disagree from 1000 up, "%.4f" and toFixed on ties."""
    for path in [*(ROOT / "templates").glob("*.html"), *(ROOT / "templates" / "widgets").glob("*.html")]:
        text = path.read_text()
        assert not re.search(r"\|\s*format\b|['\"]%[-+ #0-9.]*[fgde]['\"]", text), path.name
    assert "fmt.threeDigits(default.tau)" in (ROOT / "templates" / "widgets" / "temperature.html").read_text()


def test_the_page_formats_as_the_build_does_from_1000_up():
    with Views(ASSETS) as views:
        shown = views.call(*[("sentences", "threeDigits", x) for x in (0.01, 1000.0, 12345.0, 0.000123)])
    assert shown == ["0.01", "1000", "12300", "0.000123"]  # "%.3g" would say 1e+03 and 1.23e+04


def test_one_image_decoder_one_softmax():
    decoders = [p.relative_to(ASSETS).as_posix() for p in ASSETS.rglob("*.js")
                if "vendor" not in p.parts and "createImageBitmap(" in client_code(p)]
    assert decoders == ["ui/decode.js"], decoders
    assert re.search(r"^import \{ decodeImage \} from '../ui/decode.js';", (ASSETS / "live" / "worker.js").read_text(),
                     re.M)
    python = {p.name: p.read_text() for p in (ROOT / "explainer").rglob("*.py")}
    assert [name for name, text in python.items() if re.search(r"^def softmax\(", text, re.M)] == ["compute.py"]
    assert [name for name, text in python.items() if "np.exp(" in text] == ["compute.py"]
    assert "from .compute import as_stored, cosines, softmax" in python["pagecontext.py"]
