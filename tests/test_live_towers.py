"""The towers figures' numbers for the reader's own photo (issue 33 item 4), in Chromium (stand-in): the worker's
'image' answer carries the class token's attention, each layer's head-averaged attention and the lens from the
same pass as the vector (live/worker.js towersOf). Each is checked against the same graph run by onnxruntime-web
in Node (explainer.live.run_in_node, the reader's engine: within 1e-6) on the very pixels the worker fed it
(the page's own preprocessing, rules/preprocess.js), and against torch (explainer/towers.py vision_numbers, eager
attention) within live mode's bound; the page's rollout (rules/towers.js) against the build's recipe.
The text side (issue 33 item 3): the worker's 'attention' answer (the text graph's end_attention) for every default
label under every single template against onnxruntime-web in Node (1e-6), torch (explainer/towers.py text_numbers)
and data/towers/text.json within the bound; the text-attention figure on towers.html offers live mode for a label
that is not a default, then draws a vocabulary label and a live one from it."""
import base64
import json

import numpy as np
import torch
from browser import decode, web_engine
from test_live_browser import LOAD, browser, content, manifest_of, open_site, stored_label_vectors  # noqa: F401

from explainer.live import image_job, text_job
from explainer.textclean import clean
from explainer.towers import rollout, text_numbers, vision_numbers

TEXT = "[data-testid=text-attention-figure]"
ASK = """async (prompts) => {
  const out = [];
  for (const prompt of prompts) {
    const found = await window.__live.textAttention(prompt);
    out.push(found && { layers: found.layers, tokens: found.tokens, pieces: found.pieces,
      attention: Array.from(found.attention) });
  }
  return out;
}"""

OWN = """async ([data]) => {
  const { decodeImage } = await import('./assets/ui/decode.js');
  const { preprocess } = await import('./assets/rules/preprocess.js');
  const { rollout } = await import('./assets/rules/towers.js');
  const manifest = await (await fetch('live/manifest.json')).json();
  const blob = new Blob([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], { type: 'image/jpeg' });
  const pixels = preprocess(await decodeImage(blob), manifest.preprocess);  // what the worker feeds the graph
  const { vector, towers } = await window.__live.embedImage(blob);
  const b64 = (floats) => btoa(Array.from(new Uint8Array(Float32Array.from(floats).buffer),
    (v) => String.fromCharCode(v)).join(''));
  const tokens = 1 + towers.grid * towers.grid;
  return { pixels: b64(pixels), vector: b64(vector), layers: towers.layers, heads: towers.heads, grid: towers.grid,
    attention: b64(towers.attention), mean: b64(towers.mean), lens: b64(towers.lens),
    rollout: Array.from(rollout(towers.mean, towers.layers, tokens)) };
}"""


def floats(text):
    return np.frombuffer(base64.b64decode(text), dtype="<f4").astype(np.float64)


def test_own_photo_towers_equal_the_web_engine_and_torch_within_the_bound(site, content, open_site, stand_in):
    from transformers import CLIPModel
    out, _ = site
    manifest = manifest_of(out)
    bound = manifest["bound"]["max_cosine_error"]
    dim, size = manifest["model"]["dim"], manifest["preprocess"]["crop"][0]
    page, _ = open_site(out)
    assert page.evaluate(LOAD, [["vision"]])["ok"]
    photos = [p for p in content.photos if p.path.suffix == ".jpg"][:2]
    answers = [page.evaluate(OWN, [base64.b64encode(p.path.read_bytes()).decode()]) for p in photos]
    pixels = np.stack([floats(a["pixels"]).reshape(3, size, size) for a in answers]).astype(np.float32)
    (node,) = web_engine(out, "vision", lambda graph, weights: [
        image_job(graph, weights, pixels, 1, extra=("class_attention", "lens", "mean_attention"))])  # one at a time
    model = CLIPModel.from_pretrained(stand_in.folder, attn_implementation="eager").eval()
    texts = np.stack([decode(stored_label_vectors(out, label), dim)[1] for label in content.vocabulary[::60]])
    for i, answer in enumerate(answers):
        layers, heads, grid = answer["layers"], answer["heads"], answer["grid"]
        tokens = 1 + grid * grid
        assert grid == manifest["model"]["image_size"] // manifest["model"]["patch_size"]
        attention = floats(answer["attention"]).reshape(layers, heads, tokens)
        mean = floats(answer["mean"]).reshape(layers, tokens, tokens)
        lens = floats(answer["lens"]).reshape(layers, dim)
        vector = floats(answer["vector"])
        # the browser's numbers are the reader's engine's (Node, the same wasm) on the same pixels
        assert np.abs(attention.ravel() - node["class_attention"][i]).max() <= 1e-6
        assert np.abs(mean.ravel() - node["mean_attention"][i]).max() <= 1e-6
        node_lens = node["lens"][i].reshape(layers, dim)
        assert np.abs(lens[:-1] - node_lens[:-1]).max() <= 1e-6
        image = node["image_embeds"][i] / np.linalg.norm(node["image_embeds"][i])
        assert np.abs(lens[-1] - vector).max() == 0 and np.abs(vector - image).max() <= 1e-6  # the last row: the vector
        # the page's rollout of that attention is the build's recipe
        page_rollout = np.array(answer["rollout"]).reshape(layers, tokens)
        assert np.abs(page_rollout - rollout(mean)[:, 0, :]).max() <= 1e-12
        # and all of it within live mode's bound of torch's, the build's numbers for the built-in photos
        found = vision_numbers(model, torch, torch.from_numpy(pixels[i:i + 1]))
        assert np.abs(attention - found["attention"]).max() <= bound, photos[i].id
        assert np.abs(page_rollout - found["rollout"]).max() <= bound, photos[i].id
        assert np.abs((lens - found["lens"]) @ texts.T).max() <= bound, photos[i].id
        assert np.allclose(attention.sum(axis=-1), 1, atol=1e-4) and np.allclose(mean.sum(axis=-1), 1, atol=1e-4)


def node_end_attention(out, prompts):
    """Each prompt run alone in onnxruntime-web under Node from site/live's text files: [(L, context)], 0-padded."""
    (node,) = web_engine(out, "text", lambda graph, weights: [
        text_job(graph, weights, prompts, 1, extra=("end_attention",))])
    return node["end_attention"].reshape(len(prompts), -1, manifest_of(out)["model"]["context_length"])


def test_default_labels_end_attention_equal_the_web_engine_the_build_and_torch(site, content, open_site, stand_in):
    from transformers import CLIPModel, CLIPTokenizer
    out, _ = site
    manifest = manifest_of(out)
    bound = manifest["bound"]["max_cosine_error"]
    assert manifest["text"]["parity"]["towers"]["ok"]
    stored = json.loads((out / "data" / "towers" / "text.json").read_text())
    pairs = [(t.id, label, clean(t.fill(label))) for t in content.templates if not t.ensemble
             for label in content.default_labels]
    page, _ = open_site(out)
    assert page.evaluate(LOAD, [["text"]])["ok"]
    answers = page.evaluate(ASK, [prompt for *_, prompt in pairs])
    node = node_end_attention(out, [prompt for *_, prompt in pairs])
    model = CLIPModel.from_pretrained(stand_in.folder, attn_implementation="eager").eval()
    tokenizer = CLIPTokenizer.from_pretrained(stand_in.folder)
    for (template, label, prompt), answer, engine in zip(pairs, answers, node, strict=True):
        record = stored["templates"][template][label]
        n, layers = len(record["tokens"]), stored["layers"]
        assert answer["tokens"] == record["tokens"] and answer["layers"] == layers and len(answer["pieces"]) == n
        live = np.array(answer["attention"]).reshape(layers, n)
        assert np.abs(live - engine[:, :n]).max() <= 1e-6 and not engine[:, n:].any()  # the reader's engine
        assert np.abs(live - decode(record["attention"], n)).max() <= bound, (template, label)  # the build's file
        found = text_numbers(model, torch, tokenizer, prompt)["attention"]
        assert np.abs(live - found).max() <= bound, (template, label)
        assert np.allclose(live.sum(axis=-1), 1, atol=1e-4)


def drawn_row(page):
    return page.evaluate("""() => [...document.querySelectorAll('#text-attention-grid td[data-value]')]
        .map(td => [Number(td.dataset.from), Number(td.dataset.to), Number(td.dataset.value)])""")


def test_text_attention_figure_offers_live_mode_then_draws_any_label(site, content, open_site, stand_in):
    from transformers import CLIPModel, CLIPTokenizer
    out, _ = site
    bound = manifest_of(out)["bound"]["max_cosine_error"]
    word = next(w for w in content.vocabulary if w not in content.default_labels and " " not in w)
    typed = "tarantula eating sushi"
    page, _ = open_site(out, f"towers.html#template=photo&label=cat&label={word}&live={typed.replace(' ', '+')}")
    page.locator("#text-attention").scroll_into_view_if_needed()
    page.wait_for_selector(f"#text-attention-label option[value='{word}']", state="attached", timeout=15000)
    page.select_option("#text-attention-label", word)  # not a default: the build has no numbers for it
    page.wait_for_selector(f"{TEXT}[data-state=none][data-label='{word}']", timeout=15000)
    assert "default labels only" in page.text_content("[data-testid=text-attention-summary]")
    assert not drawn_row(page)
    page.click("[data-testid=live-start-text-attention]")  # the figure's offer starts live mode
    page.wait_for_selector(f"{TEXT}[data-state=ready][data-label='{word}']", timeout=120000)
    assert page.is_hidden("[data-testid=live-start-text-attention]")
    template = next(t for t in content.templates if t.id == "photo")
    prompts = [clean(template.fill(word)), clean(template.fill(typed))]
    engine = node_end_attention(out, prompts)
    model = CLIPModel.from_pretrained(stand_in.folder, attn_implementation="eager").eval()
    tokenizer = CLIPTokenizer.from_pretrained(stand_in.folder)
    layers = json.loads((out / "data" / "towers" / "text.json").read_text())["layers"]
    for label, prompt, node in zip((word, typed), prompts, engine, strict=True):
        if label == typed:  # the live label, once embedded, is on the page: the reader picks it here
            page.wait_for_selector(f"#text-attention-label option[value='{typed}']", state="attached",
                                   timeout=120000)
            page.select_option("#text-attention-label", typed)
            page.wait_for_selector(f"{TEXT}[data-state=ready][data-label='{typed}']", timeout=60000)
        assert page.get_attribute(TEXT, "data-layer") == str(layers)
        found = text_numbers(model, torch, tokenizer, prompt)["attention"]       # (L, n)
        n = found.shape[1]
        got = drawn_row(page)
        assert [(f, t) for f, t, _ in got] == [(n - 1, t) for t in range(n)]      # the end token's row, causal square
        values = np.array([v for *_, v in got])
        assert np.abs(values - node[-1, :n]).max() <= 1e-6                       # the reader's engine, last layer
        assert np.abs(values - found[-1]).max() <= bound                        # torch's, within the bound
        assert page.locator("#text-attention-grid td.masked").count() == n * (n - 1) // 2
