"""The towers figures' numbers for the reader's own photo (issue 33 item 4), in Chromium (stand-in): the worker's
'image' answer carries the class token's attention, each layer's head-averaged attention and the lens from the
same pass as the vector (live/worker.js towersOf). Each is checked against the same graph run by onnxruntime-web
in Node (explainer.live.run_in_node, the reader's engine: within 1e-6) on the very pixels the worker fed it
(the page's own preprocessing, rules/preprocess.js), and against torch (explainer/towers.py vision_numbers, eager
attention) within live mode's bound; the page's rollout (rules/towers.js) against the build's recipe."""
import base64

import numpy as np
import torch
from browser import decode, web_engine
from test_live_browser import LOAD, browser, content, manifest_of, open_site, stored_label_vectors  # noqa: F401

from explainer.live import image_job
from explainer.towers import rollout, vision_numbers

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
