"""The embed step's shared-prefix path (explainer/sharedprefix.py) against the plain forward: every template,
labels of 1 to 20 tokens, labels cut at the 77-token context, labels that merge with the template's text,
and both of HF CLIP's rules for the pooled token. Exact up to float32 rounding: |1 - cosine| <= 1e-5."""
import json
import shutil

import numpy as np
import pytest

from conftest import ROOT
from explainer.content import read_content
from explainer.embed import Clip, ensemble_prompt, template_prefix
from explainer.sharedprefix import pooled_position

BOUND = 1e-5
WORDS = ["cat", "great", "white", "shark", "sulphur-crested", "cockatoo", "tabby", "espresso", "machine", "of"]
# labels that merge with the template's text next to them (the tokens step's exceptions), or start or end
# with punctuation; and templates whose {label} touches a word (so the shared prefix must fall back)
MERGING = ["cat.", "...", "'s", ",dog", "-1", "x.", "e.g.", "!!", "a", "photo"]
TOUCHING = ["a photo of a{label}.", "an x-{label}s", "photo:{label}", "{label}"]


def prompts_and_prefixes(templates, labels):
    texts = [ensemble_prompt(t, label) for t in templates for label in labels]
    return texts, [template_prefix(t) for t in templates for _ in labels]


def compare(folder, texts, prefixes):
    plain, _ = Clip(folder, "cpu", share_prefixes=False).embed_texts(texts)  # (n, dim) unit vectors
    clip = Clip(folder, "cpu", shared_batch=64)
    shared, _ = clip.embed_texts(texts, prefixes=prefixes)
    error = np.abs(1 - (plain * shared).sum(axis=1))  # (n,) |1 - cosine|
    return error, clip


@pytest.fixture(scope="module")
def labels(stand_in):
    """Labels of 1 to 20 tokens (counted with the checkpoint's tokenizer), the merging ones and one long
    enough that every template cuts it at the 77-token context."""
    from transformers import CLIPTokenizer
    tokenizer = CLIPTokenizer.from_pretrained(stand_in.folder)
    def count(text):
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])
    by_length, label = {}, ""
    for i in range(60):  # words of one or more pieces, one at a time; keep the first label of each length
        label = f"{label} {WORDS[i % len(WORDS)]}".strip()
        by_length.setdefault(count(label), label)
        by_length.setdefault(count(WORDS[i % len(WORDS)]), WORDS[i % len(WORDS)])
    missing = [n for n in range(1, 21) if n not in by_length]
    for n in missing:  # filled with one-piece words
        by_length[n] = " ".join(["cat"] * n)
    assert all(count(by_length[n]) == n for n in range(1, 21))
    long = " ".join(WORDS * 9)
    assert len(tokenizer(long)["input_ids"]) > 77
    return [by_length[n] for n in range(1, 21)] + MERGING + [long]


def test_every_template_and_label_length_matches_the_plain_forward(stand_in, labels):
    content = read_content(ROOT / "content", ROOT / "photos")
    templates = [t.text for t in content.templates if not t.ensemble] + list(content.ensemble_templates)
    texts, prefixes = prompts_and_prefixes(templates, labels)
    error, clip = compare(stand_in.folder, texts, prefixes)
    assert error.max() <= BOUND, (error.max(), texts[error.argmax()])
    # the shared path really ran: every real template's prompts share their prefix except a label that
    # starts with punctuation right after a word ending in the same run (none here)
    assert clip.texts_shared >= 0.95 * len(texts), (clip.texts_shared, len(texts))


def test_labels_that_merge_with_the_template_fall_back_and_still_match(stand_in, labels):
    texts, prefixes = prompts_and_prefixes(TOUCHING, labels)
    error, clip = compare(stand_in.folder, texts, prefixes)
    assert error.max() <= BOUND, (error.max(), texts[error.argmax()])
    assert 0 < clip.texts_shared < len(texts)  # some share the prefix, the merged ones take the plain forward


def test_the_old_eos_token_id_rule(stand_in, labels, tmp_path):
    """Checkpoints whose config says eos_token_id 2 pool at the largest token id (HF's CLIPTextModel)."""
    folder = tmp_path / "old-config"
    shutil.copytree(stand_in.folder, folder)
    config = json.loads((folder / "config.json").read_text())
    config["text_config"]["eos_token_id"] = 2
    (folder / "config.json").write_text(json.dumps(config))
    texts, prefixes = prompts_and_prefixes(["a photo of a {label}.", "{label}"], labels)
    error, clip = compare(folder, texts, prefixes)
    assert error.max() <= BOUND and clip.texts_shared > 0
    assert pooled_position([49406, 320, 49407, 49407], 2) == 2 == pooled_position([49406, 320, 49407, 0], 49407)
