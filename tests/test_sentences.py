"""Sentences a CLIP expert marks wrong (issue 32, sections 2 and 4): the corrected facts are on the built page with
their sources, the wrong ones are gone, each idea is defined before it is used, and the numbers the prose quotes
(the band of cosines in Step 1, the tokens figure's split word) are recomputed here from the stored vectors and the
tokenizer."""
import html
import re

import numpy as np
import pytest
from browser import Stored
from conftest import ROOT, site_html

LABELS = [line.strip()[2:] for line in (ROOT / "content" / "labels.yaml").read_text().splitlines()
          if line.strip().startswith("- ")]


def page_text(out):
    """The page's words, tags stripped and whitespace folded, and the raw HTML."""
    raw = site_html(out)  # the core article and its deep dives (issue 32 section 5)
    inline = re.sub(r"</?(?:em|strong|code|bdi)\b[^>]*>", "", raw.split("<main", 1)[-1])  # words stay whole
    text = html.unescape(re.sub(r"<[^>]+>", " ", inline))
    return re.sub(r"\s+", " ", text), raw


def section(raw, section_id):
    """The HTML of one section, from its id to the next section."""
    start = raw.index(f'id="{section_id}"')
    end = raw.find("<section", start)
    return raw[start:end if end > 0 else None]


def cited(raw, section_id, sentence_start, key_url):
    """Is the sentence that starts with sentence_start in the section followed, within the sentence, by a citation
    whose reference links to key_url?"""
    part = html.unescape(section(raw, section_id))
    start = part.index(sentence_start)
    sentence = part[start:part.index(". ", start) if ". " in part[start:] else None]
    numbers = re.findall(r'href="#ref-([\w-]+)"', sentence)
    return any(key_url in section_reference(raw, n) for n in numbers)


def section_reference(raw, name):
    """The bibliography entry an in-text citation points at."""
    match = re.search(rf'<li[^>]*id="ref-{re.escape(name)}"[^>]*>(.*?)</li>', raw, re.S)
    return match[1] if match else ""


@pytest.mark.parametrize("wrong", [
    "0 for unrelated", "between 0 and 255", "This is the figure OpenAI", "X-Decoder", "were plentiful",
    "over CLIP's training photos", "over CLIP’s training photos", "inflate every score", "processor's mean colour",
    "processor’s mean colour", "Why normalise at all",
])
def test_the_wrong_sentences_are_gone(site, wrong):
    text, _ = page_text(site[0])
    assert wrong not in text


def test_the_corrected_facts_are_there_with_their_sources(site):
    text, raw = page_text(site[0])
    for fact in ("0 for perpendicular (orthogonal) directions", "divided by 255 so that they run from 0 to 1",
                 "added 3.5 points of accuracy", "almost 5 points (section 3.1.4 of the paper)",
                 "Why divide by the length?", "the data set was not released", "its texts as rows"):
        assert fact in text, fact
    # each claim cites the work that makes it (the link of its bibliography entry)
    assert cited(raw, "two-encoders", "Between an image and a caption", "2104.08718")   # Hessel et al.
    assert cited(raw, "what-the-model-sees", "Finally the pixel", "openai/CLIP/blob/main/clip/clip.py")
    assert cited(raw, "text-encoder", "On ImageNet, the ensemble", "2103.00020")              # the paper, 3.1.4
    assert cited(raw, "shared-space", "OpenAI’s notebook", "Interacting_with_CLIP.ipynb")
    assert cited(raw, "beyond", "OWL-ViT", "2205.06230") and cited(raw, "beyond", "CLIPSeg", "2112.10003")
    assert "model-card.md" in raw and "Prompt_Engineering_for_ImageNet.ipynb" in raw
    # the reason for normalising stands in Step 1, where the normalising is
    assert "Why divide by the length?" in section(raw, "two-encoders")


@pytest.mark.parametrize("term, definition", [
    ("logit", "are the logits, the name for the numbers a softmax takes in"),
    ("byte-pair", "byte-pair tokens: pieces of words from a fixed list"),
    ("nats", "its unit is the nat"),
    ("principal component", "the two directions along which these points spread most (their first two principal "
                            "components"),
])
def test_each_idea_is_defined_where_it_is_first_used(site, term, definition):
    text, _ = page_text(site[0])
    body = text[text.index("The zero-shot idea"):]  # after the overview and the control bar
    assert definition in body
    first = body.lower().index(term)
    assert first >= body.index(definition) - len(definition), (term, body[first - 80:first + 80])


def test_step_1_quotes_the_gap_figures_cosines_as_numpy_computes_them(site):
    out, _ = site
    text, _ = page_text(out)
    stored = Stored(out)
    images, texts = stored.images, stored.texts("photo", LABELS)   # (P, dim), (L, dim): the default template
    cosines = images @ texts.T                                       # (P, L)
    match = re.search(r"the mean cosine between a photo and a label is (-?[\d.]+), and each photo’s best label "
                      r"scores (-?[\d.]+) on average", text)
    assert match, "Step 1's sentence on the band of cosines"
    assert float(match[1]) == pytest.approx(cosines.mean(), abs=6e-4)
    assert float(match[2]) == pytest.approx(cosines.max(axis=1).mean(), abs=6e-4)
    # the same mean the modality-gap figure writes
    gap = re.search(r"between a photo and a label text: (-?[\d.]+)\.", text)
    assert gap[1] == match[1]


def test_the_tokens_figure_shows_a_word_split_into_pieces(site, stand_in):
    from tokenizers import Tokenizer
    _, raw = page_text(site[0])
    tokenizer = Tokenizer.from_file(str(stand_in.folder / "tokenizer.json"))
    example = re.search(r'data-testid="token-example" data-label="([^"]+)" data-pieces="(\d+)"', raw)
    assert example and example[1] == "tarantula"
    ids = tokenizer.encode(example[1], add_special_tokens=False).ids
    assert len(ids) >= 2 and int(example[2]) == len(ids)
    shown = re.findall(r'data-id="(\d+)"', raw.split('class="tokens token-example-pieces"')[1].split("</ol>")[0])
    assert [int(i) for i in shown] == ids
    # and every default label is one piece: the example is the only split word the figure shows by default
    assert all(len(tokenizer.encode(label, add_special_tokens=False).ids) == len(label.split()) for label in LABELS)
    assert np.all([tokenizer.id_to_token(i) for i in ids])


def test_the_dot_figures_sentence_is_what_numpy_computes_from_the_stored_vectors(site):
    out, _ = site
    _, raw = page_text(out)
    stored = Stored(out)
    figure = re.search(r'<figure class="dot"[^>]*data-label="([^"]*)"', raw)
    label = html.unescape(figure[1])
    image = stored.images[stored.photo_ids.index("cat")]              # the default view: cat, "a photo of a"
    products = image * stored.texts("photo", [label])[0]               # (dim,)
    cosine = products.sum()
    ordered = np.sort(products)[::-1 if cosine >= 0 else 1]
    sums = np.cumsum(ordered)
    peak_rank = int(np.argmax(np.sign(cosine) * sums)) + 1
    climbing = ordered[np.sign(cosine) * ordered > 0]
    against = ordered[np.sign(cosine) * ordered <= 0]
    summary = html.unescape(re.search(r'id="dot-summary"[^>]*>([^<]*)<', raw)[1])
    numbers = re.search(r"is (−?[\d.]+), the sum of (\d+) products\. Taken largest first, the (\d+) \w+ products take "
                        r"the running sum to (−?[\d.]+) \(at product (\d+)\); the (\d+) \w+ ones add ([−+][\d.]+) "
                        r"and bring it back to (−?[\d.]+)\. (.*?)(\d+)% of the climb cancels\.", summary)
    assert numbers, summary
    value = lambda text: float(text.replace("−", "-"))  # noqa: E731
    assert value(numbers[1]) == pytest.approx(cosine, abs=1e-4) and int(numbers[2]) == len(products)
    assert int(numbers[3]) == len(climbing) and int(numbers[6]) == len(against)
    assert value(numbers[4]) == pytest.approx(sums[peak_rank - 1], abs=1e-4) and int(numbers[5]) == peak_rank
    assert value(numbers[7]) == pytest.approx(against.sum(), abs=1e-4)
    share = abs(against.sum()) / abs(climbing.sum())
    assert int(numbers[10]) == pytest.approx(100 * share, abs=0.51)
    assert ("small leftover of large cancellation" in numbers[9]) == (share >= 0.5)
    # the sum panel's axis title names the cosine line with the same number
    assert f"the cosine, {numbers[1]}" in html.unescape(re.search(r'id="dot-axis-sum">([^<]*)<', raw)[1])


def test_the_dot_words_in_node():
    import subprocess
    result = subprocess.run(["node", "--test", str(ROOT / "tests" / "dotwords_in_node.mjs")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_matrix_says_how_to_read_each_line_as_numpy_computes_it(site):
    out, _ = site
    text, _ = page_text(out)
    stored = Stored(out)
    cosines = stored.images @ stored.texts("photo", LABELS).T          # (P, L): the default view
    found = re.search(r"One colour scale spans every cell, from (-?[\d.]+) to (-?[\d.]+), so read each photo['’]s line "
                      r"\(its row; on a phone, its column\) on its own: .*? The palest is “([^”]+)”, whose cosines all "
                      r"lie between (-?[\d.]+) and (-?[\d.]+)\.", text)
    assert found, "the matrix's sentence"
    assert float(found[1]) == pytest.approx(cosines.min(), abs=6e-4)
    assert float(found[2]) == pytest.approx(cosines.max(), abs=6e-4)
    palest = int(np.argmin(cosines.max(axis=1)))
    assert found[3] == stored.embeddings["photos"][palest]["title"]
    assert float(found[4]) == pytest.approx(cosines[palest].min(), abs=6e-4)
    assert float(found[5]) == pytest.approx(cosines[palest].max(), abs=6e-4)
    # and the prose says what a phone draws
    assert "on a phone, where the labels’ names need the width, one column per photo" in text


def test_the_two_vectors_stand_one_above_the_other(site):
    _, raw = page_text(site[0])
    numbers = {name: int(n) for n, name in re.findall(r'id="figure-(\d+)" data-figure="([a-z-]+)"', raw)}
    assert numbers["text-vector"] == numbers["image-vector"] + 1 and numbers["dot"] > numbers["text-vector"]
    between = raw[raw.index('id="image-vector-figure"'):raw.index('id="text-vector-figure"')]
    assert "<section" not in between and "<h3" not in between  # nothing between them but the image vector itself
