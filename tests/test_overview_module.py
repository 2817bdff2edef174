"""The overview figure's rules (templates/assets/rules/overview.js), run in Node through the build's bridge: the strips
are the vectors' means recomputed in numpy, every box and line fits the figure, values that do not fit are cut with
"…" and kept whole in the box's name, and the build links each box to its figure or section (render.overview_links)."""
import re

import numpy as np
import pytest
from conftest import ROOT

from explainer.render import overview_links
from explainer.views import Views

PALETTE_SIZE = 9


@pytest.fixture(scope="module")
def views():
    with Views(ROOT / "templates" / "assets") as bridge:
        yield bridge


def inputs(**changes):
    rng = np.random.default_rng(24)
    image, text = rng.normal(size=(2, 512))
    value = dict(photo=dict(title="Chelsea the cat", thumb="photos/cat-192.jpg"),
                 sizes=dict(image_size=224, patch_size=32, dim=512, context_length=77), label="cup of coffee",
                 count=8, template=dict(text="a photo of the small {label}.", ensemble=False), ensembleSize=80,
                 tokens=[dict(id=i, kind="label") for i in range(12)], image=image / np.linalg.norm(image),
                 text=text / np.linalg.norm(text), cosine=0.3127, tau=0.01, probability=0.8431)
    return {**value, **changes}


def cells(figure, node):
    """The strip's 64 cells as {(x, y): fill}, read back from its paths."""
    strip = next(n for n in figure["nodes"] if n["id"] == node)["strip"]
    assert len(strip) == PALETTE_SIZE
    return {(float(x), float(y)): part["fill"] for part in strip for x, y in re.findall(r"M([\d.]+),([\d.]+)h",
                                                                                         part["d"])}


@pytest.mark.parametrize("narrow", [False, True])
def test_the_strips_are_the_vectors_means_on_a_symmetric_scale(views, narrow):
    value = inputs()
    figure = views.one("overview", "overviewFigure", value, narrow)
    palette = views.one("overview", "stripColours", [-1.0] * 8 + [0.0] * 8 * 62 + [1.0] * 8)
    assert palette[0] != palette[-1] and len(set(palette)) == 3   # the two ends of the scale and its middle
    for node, vector in (("image-vector", value["image"]), ("text-vector", value["text"])):
        drawn = [fill for _, fill in sorted(cells(figure, node).items(), key=lambda item: (item[0][1], item[0][0]))]
        means = vector.reshape(64, 8).mean(axis=1)                          # (64,)
        levels = np.rint(4 + 4 * means / np.abs(means).max()).astype(int)   # nine steps, 0 in the middle
        assert len(drawn) == 64
        assert drawn == views.one("overview", "stripColours", vector)
        # the same level gets the same colour, a different level another one
        by_level = {}
        for level, fill in zip(levels, drawn, strict=True):
            assert by_level.setdefault(level, fill) == fill
        assert len(set(by_level.values())) == len(by_level)


@pytest.mark.parametrize("narrow", [False, True])
def test_every_box_and_line_fits_the_figure_and_long_values_are_cut(views, narrow):
    long = "a very long label that cannot fit in a box of the overview figure at all"
    figure = views.one("overview", "overviewFigure", inputs(label=long, photo=dict(title=long, thumb=None)), narrow)
    assert figure["width"] == (343 if narrow else 704)
    assert [n["id"] for n in figure["nodes"]] == ["photo", "crop", "image-tower", "image-vector", "label", "template",
                                                  "tokens", "text-tower", "text-vector", "cosine", "temperature",
                                                  "softmax", "probability"]
    for node in figure["nodes"]:
        x, y, w, h = node["box"]
        assert 0 <= x and x + w <= figure["width"] + 0.01 and 0 <= y and y + h <= figure["height"] + 0.01, node["id"]
        for line in node["lines"]:
            assert x <= line["x"] <= x + w and y < line["y"] <= y + h, node["id"]
        shown = [line["text"] for line in node["lines"] if line["text"]]
        assert shown and all(part.rstrip("…") in node["label"] for part in shown), node["id"]
    label = next(n for n in figure["nodes"] if n["id"] == "label")
    assert label["lines"][-1]["text"].endswith("…") and long in label["label"]
    assert next(n for n in figure["nodes"] if n["id"] == "photo")["image"]["href"] is None  # the reader's photo
    value = " ".join(line["text"] for line in next(n for n in figure["nodes"] if n["id"] == "temperature")["lines"])
    assert value == "÷ 0.01 = 31.3"
    assert "cosine is 0.313, divided by τ = 0.01 it is 31.3" in figure["desc"] and "84.3%" in figure["desc"]


def test_the_ensemble_and_unloaded_tokens_say_so(views):
    figure = views.one("overview", "overviewFigure", inputs(template=dict(text="ensemble", ensemble=True),
                                                            tokens=None), False)
    texts = {n["id"]: " ".join(line["text"] for line in n["lines"] if line["text"]) for n in figure["nodes"]}
    assert texts["template"] == "mean of 80 sentences" and texts["tokens"] == "…"
    assert "the ensemble of 80 templates" in figure["desc"]


def test_each_box_links_to_its_figure_else_its_section_else_nowhere(views):
    figure = views.one("overview", "overviewFigure", inputs(), False)
    context = dict(overview=dict(wide=figure))
    links = overview_links(context, {"similarities": 7, "predictions": 9}, [dict(id="softmax"), dict(id="cosine")])
    assert links == {"cosine": "#figure-7", "probability": "#figure-9", "temperature": "#softmax",
                     "softmax": "#softmax"}


def test_a_label_is_written_into_the_template_as_it_is(views):
    figure = views.one("overview", "overviewFigure", inputs(label="$& $1", template=dict(text="a {label}.",
                                                                                          ensemble=False)), True)
    template = next(n for n in figure["nodes"] if n["id"] == "template")
    assert template["lines"][0]["text"] == "a $& $1." and "“a $& $1.”" in figure["desc"]


def test_the_text_vector_caption_writes_a_label_as_it_is(views):
    """sentences.js had String.replace's "$&" pattern bug that overview.js avoids: the caption under the vectors."""
    caption = views.one("sentences", "vectorSummary", "$& $1", dict(text="a photo of a {label}.", ensemble=False), 80)
    assert caption == "“a photo of a $& $1.”"
