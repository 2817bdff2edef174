"""Live mode's towers in the reader's engine: onnxruntime-web's WebAssembly build under Node (webengine.mjs), with
the page's session settings, from the files as shipped (a graph and its weights file). The parity the build
measures and the page prints comes from here, so it is the same on any build machine: native onnxruntime's int8
kernels and graph optimisations depend on the CPU's instruction set (AVX2, AVX-512 VNNI, ...), WebAssembly's
arithmetic does not. One Node process per call, every tower of the call in it."""
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import BuildError
from ..textclean import html_entities
from .common import SESSION

SCRIPT = Path(__file__).with_name("webengine.mjs")
ORT = "onnxruntime-web/dist/ort.wasm.bundle.min.mjs"        # what the page ships (write.LIVE_VENDOR)
WASM = "onnxruntime-web/dist/ort-wasm-simd-threaded.wasm"
TOKENIZERS = "@huggingface/tokenizers/dist/tokenizers.min.mjs"
TEXT_BATCH = 256                                             # texts per run (the worker runs what the page sends)


def text_job(graph, weights, texts, batch=TEXT_BATCH, extra=()):
    """A tower of texts: (n,) texts, run in batches of `batch` as the worker runs one request each. extra: the
    graph's other outputs to return too (export.TEXT_OUTPUTS: the end token's attention, padded to the context)."""
    return dict(graph=str(graph), weights=str(weights) if weights else None,
                texts=[list(texts[b:b + batch]) for b in range(0, len(texts), batch)], extra=list(extra))


def image_job(graph, weights, pixels, batch=16, extra=()):
    """A tower of photos: pixels (n, 3, size, size) float32, preprocessed, run `batch` at a time. extra: the
    graph's other outputs to return too (export.VISION_OUTPUTS: the towers' numbers)."""
    return dict(graph=str(graph), weights=str(weights) if weights else None, pixels=np.ascontiguousarray(
        pixels, dtype=np.float32), batch=batch, extra=list(extra))


def run_in_node(node_modules, jobs, tokenizer=None, context_length=None, session=None, timeout=3600):
    """Each job (text_job, image_job) -> its raw outputs (n, dim) float32, not normalised (a job with extra
    outputs: {"image_embeds" or "text_embeds": (n, dim), name: (n, ...) flat per photo or text, ...}). tokenizer: the
    checkpoint's tokenizer.json (for text jobs), cut at context_length as the worker cuts; session: the session
    settings (the page's, SESSION, unless given)."""
    node = shutil.which("node")
    if not node:
        raise BuildError("live mode measures its parity in Node.js (onnxruntime-web), which is not installed "
                         "(install Node 20 or newer; make build needs it)")
    node_modules = Path(node_modules)
    for source in (ORT, WASM, TOKENIZERS):
        if not (node_modules / source).exists():
            raise BuildError("live mode's pinned runtime is missing; run `npm ci` (make build does)",
                             node_modules / source)
    with tempfile.TemporaryDirectory(prefix="live-webengine-") as scratch:
        scratch = Path(scratch)
        sent = []
        for i, job in enumerate(jobs):
            job = dict(job, out=str(scratch / f"out-{i}.f32"))
            if "pixels" in job:
                pixels = job.pop("pixels")
                pixels.tofile(scratch / f"pixels-{i}.f32")
                job.update(pixels=str(scratch / f"pixels-{i}.f32"), shape=list(pixels.shape))
            sent.append(job)
        request = dict(ort=str(node_modules / ORT), wasm=str(node_modules / WASM),
                       tokenizers=str(node_modules / TOKENIZERS), session=session or SESSION, jobs=sent)
        if tokenizer:
            request.update(tokenizer=str(tokenizer), entities=html_entities(), context_length=context_length)
        try:
            done = subprocess.run([node, str(SCRIPT)], input=json.dumps(request), capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as error:
            raise BuildError(f"live mode: onnxruntime-web in Node took over {timeout} s", SCRIPT) from error
        if done.returncode != 0:
            raise BuildError(f"live mode: onnxruntime-web in Node failed: {done.stderr.strip()[-2000:]}", SCRIPT)
        rows = json.loads(done.stdout)["rows"]
        read = lambda path, n: np.fromfile(path, dtype=np.float32).reshape(n, -1)  # noqa: E731
        main = lambda job: "text_embeds" if "texts" in job else "image_embeds"  # noqa: E731
        return [{main(job): read(job["out"], n), **{name: read(f"{job['out']}.{name}", n) for name in job["extra"]}}
                if job.get("extra") else read(job["out"], n) for job, n in zip(sent, rows, strict=True)]
