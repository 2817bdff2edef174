"""The training objective figure (issue 34, section 1), checked against numpy from the stored vectors: the first paint
(the build's, no JavaScript) holds the default batch's logits, both softmaxes, the losses and the exact gradient to
1e-6; the gradient is also checked against finite differences of the loss; the rules and the caption action in Node.
"""
import base64
import json
import re
import subprocess
from html import unescape

import numpy as np
from conftest import ROOT, read_snapshot

TOLERANCE = 1e-6


def decode(text, dim):
    """float16 base64 -> (n, dim) float64, as the page decodes it."""
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float64).reshape(-1, dim)


def stored_batch(out):
    """(images (P, dim), captions (P, dim), caption texts, snapshot) as the page receives them."""
    snapshot = read_snapshot((out / "index.html").read_text())
    dim = snapshot["model"]["dim"]
    batch = json.loads((out / "data" / "objective.json").read_text())
    return decode(snapshot["vectors"]["image"], dim), decode(batch["vectors"], dim), batch["captions"], snapshot


def numpy_objective(logits):
    """CLIP's symmetric loss (Radford et al. 2021, Figure 3) and its gradient, written independently of the page."""
    n = len(logits)

    def log_softmax(z, axis):
        z = z - z.max(axis=axis, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
    row, col = log_softmax(logits, 1), log_softmax(logits, 0)    # (N, N) each
    loss_image, loss_text = -np.diag(row).mean(), -np.diag(col).mean()
    eye = np.eye(n)
    grad = ((np.exp(row) - eye) + (np.exp(col) - eye)) / (2 * n)
    return dict(p_row=np.exp(row), p_col=np.exp(col), loss_image=loss_image, loss_text=loss_text,
                loss=(loss_image + loss_text) / 2, grad=grad)


def numeric_gradient(logits, h=1e-6):
    grad = np.zeros_like(logits)
    for i, j in np.ndindex(*logits.shape):
        step = np.zeros_like(logits)
        step[i, j] = h
        grad[i, j] = (numpy_objective(logits + step)["loss"] - numpy_objective(logits - step)["loss"]) / (2 * h)
    return grad


def first_paint(html):
    """The objective figure's attributes as the build wrote them: (figure's {name: value}, [cell {name: value}])."""
    start = html.index('data-testid="objective-figure"')
    root = html[html.rindex("<div", 0, start):html.index(">", start)]
    table = html[start:html.index("</table>", start)]
    cells = [dict(re.findall(r'data-([a-z-]+)="([^"]*)"', td))
             for td in re.findall(r"<td [^>]*data-logit[^>]*>", table)]
    captions = [unescape(c) for c in re.findall(r'<th scope="col" data-col="\d+" data-caption="([^"]*)"', table)]
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', root)), cells, captions


def test_the_first_paint_is_the_default_batch_as_numpy_computes_it(site):
    out, _ = site
    images, captions, texts, snapshot = stored_batch(out)
    tau = snapshot["temperatures"][snapshot["default"]["tau_index"]]
    logits = images @ captions.T / tau                                   # (P, P)
    expected = numpy_objective(logits)
    figure, cells, shown = first_paint((out / "numbers.html").read_text())
    assert shown == texts == [photo["alt"] for photo in snapshot["photos"]]
    assert len(cells) == len(texts) ** 2
    assert float(figure["tau"]) == tau
    for key, name in (("loss", "loss"), ("loss-image", "loss_image"), ("loss-text", "loss_text")):
        assert abs(float(figure[key]) - expected[name]) < TOLERANCE, key
    for c in cells:
        i, j = int(c["row"]), int(c["col"])
        assert abs(float(c["logit"]) - logits[i, j]) < TOLERANCE
        assert abs(float(c["p-row"]) - expected["p_row"][i, j]) < TOLERANCE
        assert abs(float(c["p-col"]) - expected["p_col"][i, j]) < TOLERANCE
        assert abs(float(c["grad"]) - expected["grad"][i, j]) < TOLERANCE


def test_the_gradient_is_the_loss_finite_differences(site):
    out, _ = site
    images, captions, _, snapshot = stored_batch(out)
    for tau in (0.01, 0.05, 1.0):  # the learned temperature and two softer ones
        logits = images @ captions.T / tau
        assert np.abs(numpy_objective(logits)["grad"] - numeric_gradient(logits)).max() < 1e-6, tau
    _, cells, _ = first_paint((out / "numbers.html").read_text())
    grad = np.zeros((len(images), len(images)))
    for c in cells:
        grad[int(c["row"]), int(c["col"])] = float(c["grad"])
    tau = snapshot["temperatures"][snapshot["default"]["tau_index"]]
    assert np.abs(grad - numeric_gradient(images @ captions.T / tau)).max() < 1e-6


def test_the_captions_file_is_small_and_holds_each_photo(site):
    out, _ = site
    images, captions, texts, _ = stored_batch(out)
    assert captions.shape == images.shape
    assert np.allclose(np.linalg.norm(captions, axis=1), 1, atol=2e-3)  # unit vectors, float16-rounded
    assert (out / "data" / "objective.json").stat().st_size < 16_000     # six float16 vectors and six texts
    assert len(set(texts)) == len(texts)


def test_the_rules_and_the_caption_action_in_node():
    result = subprocess.run(["node", "--test", str(ROOT / "tests" / "numbers_in_node.mjs")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
