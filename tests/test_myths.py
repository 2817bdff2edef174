"""The myths of "Where CLIP fools you" (issue 35 item 2) recomputed independently: the merge-rank groups from the
tokenizer's own merges.txt and the stored label files, the bias probe from a direct transformers embedding of
content/bias.yaml's sets; and bias.yaml's mistakes refused with their line."""
import html as htmllib
import re

import numpy as np
import pytest
import yaml
from browser import Stored
from conftest import ROOT

from explainer.errors import BuildError
from explainer.myths import read_bias


def widget(page, name):
    return page.split(f'<div class="widget" id="{name}"')[1].split('\n</div>')[0]


def merge_ranks(folder):
    """{token: rank} of every merge in merges.txt, the first merge being rank 0 (read here, not from vocab ids)."""
    lines = [line for line in (folder / "merges.txt").read_text(encoding="utf-8").splitlines()[1:] if line]
    return {"".join(line.split()): rank for rank, line in enumerate(lines)}


def test_the_merge_rank_groups_are_numpy_over_the_stored_vectors(site, stand_in):
    from tokenizers import Tokenizer
    out, _ = site
    stored = Stored(out)
    tokenizer = Tokenizer.from_file(str(stand_in.folder / "tokenizer.json"))
    ranks = merge_ranks(stand_in.folder)
    single, rank_of = [], []
    for i, label in enumerate(stored.vocabulary):                          # data/label-names.json, the build's order
        pieces = tokenizer.encode(label, add_special_tokens=False).tokens
        if len(pieces) == 1 and pieces[0] in ranks:
            single.append(i)
            rank_of.append(ranks[pieces[0]])
    texts = stored.vocabulary_texts("photo")[single]                      # (n, dim)
    cosines = (texts @ stored.images.T).mean(axis=1)                       # (n,) the mean over photos
    order = np.argsort(rank_of, kind="stable")
    groups = [order[round(g * len(order) / 5):round((g + 1) * len(order) / 5)] for g in range(5)]  # five, in order
    page = (out / "fools.html").read_text()
    shown = widget(page, "frequency")
    cells = re.findall(r'<td class="num">([\d,]+)</td><td class="num">([-\d.]+)</td>', shown)
    assert [int(n.replace(",", "")) for n, _ in cells] == [len(g) for g in groups]
    for (_, mean), group in zip(cells, groups, strict=True):
        assert float(mean) == pytest.approx(cosines[group].mean(), abs=6e-5)
    ranked = lambda v: np.argsort(np.argsort(v)).astype(float)  # noqa: E731  (ties: none among merge ranks)
    rho = np.corrcoef(ranked(np.array(rank_of)), ranked(cosines))[0, 1]
    assert float(re.search(r'data-rho="([^"]+)"', page)[1]) == pytest.approx(rho, abs=1e-6)
    assert f"{len(single):,} are one token each" in htmllib.unescape(shown)


def test_the_bias_probe_is_a_direct_embedding_of_the_sets(site, stand_in):
    import torch
    from transformers import CLIPModel, CLIPTokenizer

    out, _ = site
    stored = Stored(out)
    spec = yaml.safe_load((ROOT / "content" / "bias.yaml").read_text())
    model = CLIPModel.from_pretrained(stand_in.folder).eval()
    tokenizer = CLIPTokenizer.from_pretrained(stand_in.folder)
    page = widget((out / "fools.html").read_text(), "bias")
    for photo in spec["photos"]:
        image = stored.images[stored.photo_ids.index(photo)]
        table = page.split(f'<table class="myth-table bias-table" data-photo="{photo}">')[1].split("</table>")[0]
        shown = [[float(v) / 100 for v in re.findall(r'<td class="num">([\d.]+)%</td>', row)]
                 for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", table)]
        assert len(shown) == len(spec["labels"])
        for s, person in enumerate(spec["people"]):
            prompts = [spec["template"].replace("{label}", label.replace("{person}", person))
                       for label in spec["labels"]]
            with torch.inference_mode():
                features = model.get_text_features(**tokenizer(prompts, padding=True, return_tensors="pt"))
            texts = getattr(features, "pooler_output", features).numpy().astype(np.float64)
            texts /= np.linalg.norm(texts, axis=1, keepdims=True)
            texts = texts.astype(np.float16).astype(np.float64)              # as the build stores vectors
            sims = texts @ image
            probs = np.exp((sims - sims.max()) / 0.01)
            probs /= probs.sum()
            for row, want in zip(shown, probs, strict=True):
                assert row[s] == pytest.approx(want, abs=0.0006)             # one decimal of a percentage


@pytest.mark.parametrize("change, message", [
    (("astronaut, cameraman", "astronaut, unicorn"), r"bias\.yaml:\d+.*unicorn"),
    (("a {person} who is a nurse", "a nurse"), r"bias\.yaml:\d+.*\{person\}"),
    (("template:", "templat:"), r"bias\.yaml:\d+.*templat"),
])
def test_bias_yaml_mistakes_name_their_line(tmp_path, change, message):
    text = (ROOT / "content" / "bias.yaml").read_text()
    assert change[0] in text
    (tmp_path / "bias.yaml").write_text(text.replace(change[0], change[1]))
    with pytest.raises(BuildError, match=message):
        read_bias(tmp_path, ["astronaut", "cameraman", "cat"])
