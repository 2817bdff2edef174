"""Live mode's build step: CLIP's two towers as ONNX files the browser runs on request (onnxruntime-web).

    export  the text tower (input_ids, attention_mask -> projected text embeds; dynamic batch and
            sequence) and the vision tower (pixel_values -> projected image embeds; dynamic batch) of the
            model the site is built with, with torch.onnx.export(dynamo=True);
    shrink  each into web variants: int8 (dynamic, per-channel MatMuls and token embedding), int8-weights
            (every large weight stored as per-channel int8, arithmetic in float32), int8-weights-emb6
            (the same with the text tower's token table rounded to 6-bit levels), int8-fp16 (int8
            MatMuls, every other large weight stored as float16), fp16 (weights stored as float16,
            arithmetic in float32) and fp32;
    measure each variant with onnxruntime against the build's own torch vectors (the embedding cache):
            1,000 vocabulary labels under the default template, every default (template, label) pair and
            the six photos, as the largest |difference| of a text-photo cosine and the share of top-1
            predictions that agree (near-ties, where torch's top label leads by less than `near_tie` in
            cosine, are counted apart: a coin toss at any temperature the page shows);
    choose  per tower the smallest variant (in gzip bytes, what crosses the wire) within
            content/settings.yaml's `live` bounds.

Exports, variants and measurements are cached in .cache/live/<model and settings key>/, so a warm rebuild
only copies files. What lands in site/live/ (written by write_live):
    manifest.json   model, bounds, each file's bytes and sha256, the variants chosen, the parity measured
    text-<variant>.graph.onnx, vision-<variant>.graph.onnx, each tower's graph, and text-<variant>.weights,
                    vision-<variant>.weights, its large weights as ONNX external data (ship_apart),
    tokenizer.json  the checkpoint's own,
    entities.json   the HTML5 character references html.unescape knows, for the browser's clean()
"""
import contextlib
import gzip
import hashlib
import json
import logging
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .cache import write_atomic
from .embed import cache_namespace, ensemble_prompt, normalise, projected
from .errors import BuildError
from .textclean import clean, html_entities

LIVE_VERSION = 6                               # bump when the export or the measurement changes
VARIANTS = ("int8", "int8-weights", "int8-weights-emb6", "int8-fp16", "fp16", "fp32")
TEXT_ONLY = {"int8-weights-emb6"}              # the vision tower has no token table
LOOKUP_BITS = 6                                # int8-weights-emb6: the token table's levels (see store_weights_int8)
# onnxruntime's session settings, in onnxruntime-web's names: the worker starts its sessions with these (from the
# manifest) and the parity is measured with the same (session_options). No graph optimisation: each int8 weight
# stays int8 in memory and its Cast to float32 runs with every batch (no folded copy, no packed copy of it):
# about 230 MB less in Chromium for the full-size text tower, a text about 1.5x slower
# (bench/results-live-memory.md).
SESSION = {"graphOptimizationLevel": "disabled", "extra": {}}
MEASURED_LABELS = 1000                         # vocabulary labels measured under the default template
FP16_MIN_ELEMENTS = 1024                       # smaller weights (biases, norms) stay float32 in every variant
log = logging.getLogger(__name__)


@dataclass
class Live:
    folder: Path      # the cache folder holding every file listed in manifest
    manifest: dict    # what site/live/manifest.json says


# ---- the step ------------------------------------------------------------------------------------------

def make_live(content, model_files, embeddings, cache, node_modules):
    """Export, shrink, measure and choose, from the cache when it can. Returns Live, or None when the
    settings turn live mode off."""
    settings = content.settings["live"]  # checked by content.read_live_settings
    if not settings["enabled"]:
        return None
    kind = f"live/{live_key(model_files, settings)}"
    folder = cache.path(kind)
    texts, reference = measured_texts(content, embeddings)
    inputs = hashlib.sha256(json.dumps([texts, [p.sha256 for p in content.photos]]).encode()).hexdigest()[:16]

    def make_manifest():
        try:
            with quiet():
                export(model_files, folder)
        except Exception as error:  # the exporter's failures are long tracebacks; say what to do instead
            raise BuildError(f"live mode: exporting the model to ONNX failed ({type(error).__name__}: "
                             f"{str(error).splitlines()[0] if str(error) else ''}); build without live mode with "
                             "`make build LIVE=0` or `live: enabled: false` in content/settings.yaml",
                             model_files.folder) from error
        parity = measure(folder, model_files, content, texts, reference, embeddings.image, settings["near_tie"])
        return choose(folder, model_files, settings, parity, texts, len(label_groups(content)[0]))
    manifest = cache.memo(kind, f"manifest-{inputs}.json", make_manifest, dump=lambda m: json.dumps(m, indent=1))
    manifest["runtime"] = runtime_sizes(node_modules, cache)
    manifest["ensemble_templates"] = list(content.ensemble_templates)  # the page embeds a live label under each
    manifest["download"]["text"] = manifest["download"]["text_model"] + manifest["runtime"]["gzip_bytes"]
    for tower in ("text", "vision"):
        chosen = manifest[tower]
        log.info(f"  live: {tower} tower {chosen['variant']}, {chosen['bytes'] / 1e6:.1f} MB "
            f"({chosen['gzip_bytes'] / 1e6:.1f} MB gzip), {describe_parity(chosen['parity'])}")
    return Live(folder, manifest)


def describe_parity(p):
    """One line for the build log and the bench: the error, the agreement, and what the near-ties did."""
    return (f"max |cosine error| {p['max_cosine_error']:.2e}, top-1 agreement {p['top1_agreement']:.1%} "
            f"of {p['decided']} predictions ({p['near_ties']} near-ties left out, "
            f"{p['near_tie_flips']} of them flipped)")


@contextlib.contextmanager
def quiet():
    """The exporter's and the quantiser's advice (warnings, root-logger lines) would drown the build log."""
    import torch  # noqa: F401  (importing torch sets its loggers' levels: set ours after that)
    loggers = [logging.getLogger(), logging.getLogger("torch.onnx")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            for logger, level in zip(loggers, levels, strict=True):
                logger.setLevel(level)


def runtime_sizes(node_modules, cache):
    """Bytes of live mode's runtime (write.LIVE_VENDOR: onnxruntime-web and the tokenizer library), raw and
    gzip, remembered by (path, size, mtime): the wasm file is 14 MB and gzipping it takes a moment."""
    from .write import LIVE_VENDOR
    total = dict(bytes=0, gzip_bytes=0, files=[])
    for source in LIVE_VENDOR:
        path = Path(node_modules) / source
        if not path.exists():
            raise BuildError("live mode's pinned runtime is missing; run `npm ci` (make build does)", path)
        sizes = cache.by_file("live/runtime-sizes.json", path, describe)
        total["bytes"] += sizes["bytes"]
        total["gzip_bytes"] += sizes["gzip_bytes"]
        if source.endswith(".wasm"):  # fetched (and checked) by the worker; the .mjs files are imported
            total["files"].append({**sizes, "file": LIVE_VENDOR[source]})
    return total


def live_key(model_files, settings):
    """The cache folder's name: weights, tokenizer and preprocessing files, bounds and this module's version."""
    text = json.dumps([cache_namespace(model_files), settings, LIVE_VERSION], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def write_live(site, live):
    """site/live/: the chosen ONNX files, tokenizer.json, entities.json and manifest.json."""
    folder = site / "live"
    folder.mkdir()
    for entry in files_of(live.manifest):  # the graphs and their weights files, tokenizer.json, entities.json
        shutil.copyfile(live.folder / entry["file"], folder / entry["file"])
    (folder / "manifest.json").write_text(json.dumps(live.manifest, indent=1), encoding="utf-8")


def snapshot_live(live):
    """snap.live: what the page says before anything is fetched."""
    if live is None:
        return None
    m = live.manifest
    return dict(manifest="live/manifest.json", text_bytes=m["download"]["text"], vision_bytes=m["download"]["vision"],
                variants=dict(text=m["text"]["variant"], vision=m["vision"]["variant"]),
                parity=dict(text=m["text"]["parity"], vision=m["vision"]["parity"], both=m["parity_both"]),
                bound=m["bound"], files=cached_files(m),
                memory_bytes=dict(text=tab_memory(m["text"], m["runtime"]), vision=tab_memory(m["vision"])))


def cached_files(manifest):
    """What the page looks up in its Cache Storage before anything is fetched ("cached (N MB)"): every
    file live mode downloads, by sha256, with its bytes and the part that needs it."""
    text = [*manifest["runtime"]["files"], manifest["tokenizer"], manifest["entities"], *tower_files(manifest["text"])]
    return ([dict(sha256=f["sha256"], bytes=f["bytes"], part="text") for f in text]
            + [dict(sha256=f["sha256"], bytes=f["bytes"], part="vision") for f in tower_files(manifest["vision"])])


def files_of(manifest):
    return [*tower_files(manifest["text"]), *tower_files(manifest["vision"]), manifest["tokenizer"],
            manifest["entities"]]


def tower_files(entry):
    """A tower's files as shipped (manifest entry): its graph, then its weights file (entry['data'])."""
    return [entry, entry["data"]] if "data" in entry else [entry]


# ---- export and variants ------------------------------------------------------------------------------

def export(model_files, folder):
    """fp32 ONNX of both towers, then the smaller variants, each written once into folder."""
    if all((folder / f"{tower}-{v}.onnx").exists() for tower in ("text", "vision") for v in variants(tower)):
        return
    folder.mkdir(parents=True, exist_ok=True)
    if not all((folder / f"{tower}-fp32.onnx").exists() for tower in ("text", "vision")):  # else: variants only
        export_fp32(model_files, folder)
    for tower in ("text", "vision"):
        make_variants(folder, tower)


def export_fp32(model_files, folder):
    """<tower>-fp32.onnx of both towers, from the checkpoint (torch.onnx.export, minutes on a full-size model)."""
    log.info("  live: exporting the text and vision towers to ONNX (once per model)")
    import torch
    from torch.export import Dim
    from transformers import CLIPModel
    from transformers.utils import logging
    logging.disable_progress_bar()
    model = CLIPModel.from_pretrained(model_files.folder).eval()
    shape = model_files.shape
    export_text(model, shape.context_length, folder / "text-fp32.onnx")
    pixels = torch.zeros(2, 3, shape.image_size, shape.image_size)  # (batch, 3, size, size)
    vision = torch.onnx.export(vision_tower(model), (pixels,), dynamo=True, optimize=True, verbose=False,
                               input_names=["pixel_values"], output_names=["image_embeds"],
                               dynamic_shapes={"pixel_values": {0: Dim("batch", min=1, max=1024)}})
    vision.save(str(folder / "vision-fp32.onnx"))


def export_text(model, context_length, path):
    """The fp32 ONNX of a CLIPModel's text tower (dynamic batch and sequence), as live mode ships it and the
    bench measures it for the build."""
    import torch
    from torch.export import Dim
    ids = torch.full((2, 8), model.config.text_config.eos_token_id, dtype=torch.int64)  # (batch, sequence)
    ids[:, 0] = model.config.text_config.bos_token_id
    ids[:, 1:5] = torch.arange(400, 404)
    mask = torch.ones_like(ids)
    batch, sequence = Dim("batch", min=1, max=4096), Dim("sequence", min=2, max=context_length)
    text = torch.onnx.export(text_tower(model), (ids, mask), dynamo=True, optimize=True, verbose=False,
                             input_names=["input_ids", "attention_mask"], output_names=["text_embeds"],
                             dynamic_shapes={"input_ids": {0: batch, 1: sequence},
                                             "attention_mask": {0: batch, 1: sequence}})
    text.save(str(path))


def text_tower(model):
    """CLIP's text tower as a module of its own: (input_ids, attention_mask) -> projected text embeds."""
    import torch

    class Text(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.clip = model

        def forward(self, input_ids, attention_mask):  # (batch, sequence) each -> (batch, dim)
            return projected(self.clip.get_text_features(input_ids=input_ids, attention_mask=attention_mask))
    return Text()


def vision_tower(model):
    """CLIP's vision tower as a module of its own: pixel_values -> projected image embeds."""
    import torch

    class Vision(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.clip = model

        def forward(self, pixel_values):  # (batch, 3, size, size) -> (batch, dim)
            return projected(self.clip.get_image_features(pixel_values=pixel_values))
    return Vision()


def variants(tower):
    return [v for v in VARIANTS if tower == "text" or v not in TEXT_ONLY]


def make_variants(folder, tower):
    """Every variant of <tower> from <tower>-fp32.onnx."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    fp32 = folder / f"{tower}-fp32.onnx"
    # int8: every MatMul per output channel, and the token embedding's Gather
    quantize_dynamic(fp32, folder / f"{tower}-int8.onnx", per_channel=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gather"])
    # int8-fp16: MatMuls in int8; the token embedding, projections and the rest in float16
    tmp = folder / f"{tower}-int8-matmul.tmp.onnx"
    quantize_dynamic(fp32, tmp, per_channel=True, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
    save_model(store_weights_fp16(onnx.load(tmp)), folder / f"{tower}-int8-fp16.onnx")
    tmp.unlink()
    save_model(store_weights_fp16(onnx.load(fp32)), folder / f"{tower}-fp16.onnx")
    save_model(store_weights_int8(onnx.load(fp32)), folder / f"{tower}-int8-weights.onnx")
    if tower == "text":
        save_model(store_weights_int8(onnx.load(fp32), lookup_bits=LOOKUP_BITS),
                   folder / f"{tower}-int8-weights-emb6.onnx")


def store_weights_fp16(model):
    """Store each large float32 weight as float16 with a Cast back to float32 before its first use: half
    the bytes, while every operator still computes in float32 (what onnxruntime-web's CPU kernels run)."""
    from onnx import TensorProto, helper, numpy_helper
    graph = model.graph
    casts = []
    for initializer in graph.initializer:
        if initializer.data_type != TensorProto.FLOAT or np.prod(initializer.dims) < FP16_MIN_ELEMENTS:
            continue
        values = numpy_helper.to_array(initializer).astype(np.float16)
        name = initializer.name
        initializer.CopyFrom(numpy_helper.from_array(values, name + "_fp16"))
        casts.append(helper.make_node("Cast", [name + "_fp16"], [name], to=TensorProto.FLOAT, name=name + "_cast"))
    return with_nodes_first(model, casts)


def store_weights_int8(model, lookup_bits=8, skip=()):
    """Store each large float32 weight (but those named in skip) as int8 with one float32 scale per output
    channel. A table a Gather reads (the token and position embeddings) stays int8 in memory: its rows are
    gathered as int8 and only the rows read are scaled (gather_rows_int8). Any other weight is rebuilt as
    Cast(int8 -> float32) * scale before its first use; both inputs are constants, so onnxruntime folds them
    when the session starts: int8's bytes on the wire, float32 weights and arithmetic at run time. Unlike
    dynamic int8 no activation is rounded, so the error is smaller (about 0.6x of dynamic int8's on the
    full-size random model). (A DequantizeLinear instead of Cast and Mul is not folded and would keep the
    weight int8 in memory, but onnxruntime-web then dequantises every weight on every run: 20x slower per
    text on the full-size model, bench/results-live.md.)

    lookup_bits < 8 rounds the tables a Gather reads (the token embedding, 49,408 rows) to fewer levels,
    still stored as int8: gzip then stores each value in about lookup_bits bits. A token's row is only
    its input vector, so coarser rows cost little (6 bits: 6 MB less gzip on a ViT-B/32-sized text
    tower, error 3.1e-3 instead of 2.1e-3 on random weights)."""
    from onnx import TensorProto, helper, numpy_helper
    graph = model.graph
    per_column = set()  # weights a MatMul (or a Gemm without transB) multiplies from the right: (in, out)
    lookups = set()     # tables a Gather reads rows from: the token embedding, (vocabulary, width)
    for node in graph.node:
        transposed = any(a.name == "transB" and a.i for a in node.attribute)
        if node.op_type == "MatMul" or (node.op_type == "Gemm" and not transposed):
            per_column.add(node.input[1])
        if node.op_type == "Gather":
            lookups.add(node.input[0])
    dequantise = []
    for initializer in list(graph.initializer):  # a copy: the scales are appended as we go
        if (initializer.data_type != TensorProto.FLOAT or len(initializer.dims) < 2
                or np.prod(initializer.dims) < FP16_MIN_ELEMENTS or initializer.name in skip):
            continue
        weight = numpy_helper.to_array(initializer)  # (in, out) for MatMul; (out, ...) otherwise
        name = initializer.name
        if name in per_column:
            axes = tuple(range(weight.ndim - 1))            # one scale per column: (1, out)
        else:
            channel = 0 if weight.shape[0] > 1 else 1       # one scale per row (token, position, filter)
            axes = tuple(a for a in range(weight.ndim) if a != channel)
        top = 2 ** ((lookup_bits if name in lookups else 8) - 1) - 1  # 127 for 8 bits
        scale = np.abs(weight).max(axis=axes, keepdims=True) / top  # broadcastable against weight
        scale[scale == 0] = 1
        quantised = np.clip(np.rint(weight / scale), -top, top).astype(np.int8)
        initializer.CopyFrom(numpy_helper.from_array(quantised, name + "_int8"))
        graph.initializer.append(numpy_helper.from_array(scale.astype(np.float32), name + "_scale"))
        if name in lookups and name not in per_column and weight.ndim == 2 and weight.shape[0] > 1:
            gather_rows_int8(graph, name)  # (rows, 1) scales: one per row
            if not any(name in node.input for node in graph.node):
                continue
        if name in per_column and scale_after_matmul(graph, name):
            dequantise.append(helper.make_node("Cast", [name + "_int8"], [name + "_float"], to=TensorProto.FLOAT,
                                               name=name + "_cast"))
            continue
        dequantise += [helper.make_node("Cast", [name + "_int8"], [name + "_int8_float"], to=TensorProto.FLOAT,
                                        name=name + "_cast"),
                       helper.make_node("Mul", [name + "_int8_float", name + "_scale"], [name], name=name + "_mul")]
    return with_nodes_first(model, dequantise)


def int8_kernels(fp32, target, lookup_bits=8):
    """The int8-kernels variant: int8 weights kept as int8 in memory and multiplied by onnxruntime's int8
    kernels (dynamic quantisation: each activation rounded to uint8 per tensor as it goes), except each MLP's
    down projection (a MatMul whose weight is (4 width, width)): its input, after the GELU, has the outliers
    that per-tensor rounding handles worst, so it is stored as int8 and folded to float32 (12 of them: 48 MB
    in memory on a ViT-B/32-sized text tower). The Gather tables stay int8 rows (store_weights_int8)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    model = onnx.load(fp32)
    shapes = {i.name: tuple(i.dims) for i in model.graph.initializer}
    down = [n.name for n in model.graph.node if n.op_type == "MatMul" and len(shapes.get(n.input[1], ())) == 2
            and shapes[n.input[1]][0] > shapes[n.input[1]][1]]
    tmp = Path(target).with_suffix(".tmp.onnx")
    quantize_dynamic(fp32, tmp, per_channel=True, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                     nodes_to_exclude=down)
    model = onnx.load(tmp)
    tmp.unlink()
    save_model(store_weights_int8(model, lookup_bits), target)


def scale_after_matmul(graph, name):
    """When only MatMuls read the weight <name> (now <name>_int8, (in, out), and <name>_scale, (1, out)),
    each reads Cast(int8) (<name>_float) and its product is scaled per column afterwards: x @ (w * s) is
    (x @ w) * s. onnxruntime folds the Cast alone when the session starts, so one float32 copy of the weight
    is made instead of two (Cast's, then Mul's), and the scaling costs one multiply per output. False (and
    nothing changed) when another operator reads the weight."""
    from onnx import helper
    readers = [node for node in graph.node if name in node.input]
    if not readers or any(node.op_type != "MatMul" or list(node.input).index(name) != 1 for node in readers):
        return False
    for node in readers:
        out = node.output[0]
        node.input[1] = name + "_float"
        node.output[0] = out + "_unscaled"
        index = list(graph.node).index(node)
        graph.node.insert(index + 1, helper.make_node("Mul", [out + "_unscaled", name + "_scale"], [out],
                                                      name=(node.name or name) + "_scale"))
    return True


def gather_rows_int8(graph, name):
    """Each Gather of the table <name> (now <name>_int8, (rows, width), and <name>_scale, (rows, 1)) rewritten
    to gather int8 rows and their scales and multiply only those: Cast(Gather(int8)) * Gather(scale)."""
    from onnx import TensorProto, helper
    for at, node in enumerate(list(graph.node)):
        if node.op_type != "Gather" or node.input[0] != name:
            continue
        axis = [helper.get_attribute_value(a) for a in node.attribute if a.name == "axis"]
        assert axis in ([], [0]), f"{name}: a Gather along axis {axis}"
        out, ids, tag = node.output[0], node.input[1], f"{node.name or name}_{at}"
        rows = [helper.make_node("Gather", [name + "_int8", ids], [tag + "_rows_int8"], name=tag + "_rows"),
                helper.make_node("Cast", [tag + "_rows_int8"], [tag + "_rows_float"], to=TensorProto.FLOAT,
                                 name=tag + "_cast"),
                helper.make_node("Gather", [name + "_scale", ids], [tag + "_scales"], name=tag + "_scales"),
                helper.make_node("Mul", [tag + "_rows_float", tag + "_scales"], [out], name=tag + "_mul")]
        index = list(graph.node).index(node)
        graph.node.remove(node)
        for offset, new in enumerate(rows):
            graph.node.insert(index + offset, new)


def with_nodes_first(model, nodes):
    """model with nodes (which read only initializers) before every other node: the node list stays in
    topological order, as ONNX requires."""
    import onnx
    rest = list(model.graph.node)
    del model.graph.node[:]
    model.graph.node.extend(list(nodes) + rest)
    onnx.checker.check_model(model)
    return model


def save_model(model, path):
    import onnx
    onnx.save(model, str(path))


# ---- measurement ----------------------------------------------------------------------------------------

def measured_texts(content, embeddings):
    """The texts measured and their torch vectors: ([[prompt, ...] per item], (n_items, dim)).
    An item is one vocabulary label under the default template, or one default (template, label) pair;
    an ensemble item has one prompt per ensemble template and is their normalised mean."""
    default = [t.id for t in content.templates].index(content.settings["default_template"])
    step = max(1, len(content.vocabulary) // MEASURED_LABELS)
    sample = list(range(0, len(content.vocabulary), step))[:MEASURED_LABELS]
    index = {label: i for i, label in enumerate(content.vocabulary)}
    items, rows = [], []
    for i in sample:
        items.append([clean(content.templates[default].fill(content.vocabulary[i]))])
        rows.append((default, i))
    for t, template in enumerate(content.templates):
        for label in content.default_labels:
            if template.ensemble:
                items.append([ensemble_prompt(text, label) for text in content.ensemble_templates])
            else:
                items.append([clean(template.fill(label))])
            rows.append((t, index[label]))
    reference = np.stack([embeddings.text[t, i] for t, i in rows])  # (n_items, dim)
    return items, reference


def tokenizer_for(model_files):
    """The checkpoint's tokenizer.json, truncating to the context length as the embed step does."""
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(str(Path(model_files.folder) / "tokenizer.json"))
    tokenizer.enable_truncation(model_files.shape.context_length)
    return tokenizer


def run_text(session, tokenizer, prompts, batch=256):
    """(n,) cleaned prompts -> (n, dim) unit vectors from an onnxruntime session of a text tower."""
    ids = [e.ids for e in tokenizer.encode_batch(prompts)]
    pad = ids[0][-1]  # CLIP pads with its end token
    out = []
    for begin in range(0, len(ids), batch):
        rows = ids[begin:begin + batch]
        width = max(map(len, rows))
        input_ids = np.array([r + [pad] * (width - len(r)) for r in rows], dtype=np.int64)      # (b, width)
        mask = np.array([[1] * len(r) + [0] * (width - len(r)) for r in rows], dtype=np.int64)  # (b, width)
        out.append(session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0])
    return normalise(np.concatenate(out))


def embed_items(session, tokenizer, items):
    """[[prompt, ...]] -> (n_items, dim): each item's normalised mean over its prompts."""
    flat = [p for item in items for p in item]
    vectors = run_text(session, tokenizer, flat)
    out, begin = [], 0
    for item in items:
        out.append(vectors[begin:begin + len(item)].mean(axis=0))
        begin += len(item)
    return normalise(np.stack(out))


def preprocess_photos(model_files, photos):
    """(n_photos, 3, size, size) float32, exactly as the embed step feeds the vision tower."""
    from transformers import CLIPImageProcessorPil
    processor = CLIPImageProcessorPil.from_pretrained(model_files.folder)
    return processor(images=[p.image for p in photos], return_tensors="np")["pixel_values"].astype(np.float32)


def measure(folder, model_files, content, items, text_reference, image_reference, near_tie):
    """{tower: {variant: {max_cosine_error, top1_agreement}}} and 'both' for every pair of variants' ends."""
    import onnxruntime as ort
    options = session_options()
    tokenizer = tokenizer_for(model_files)
    pixels = preprocess_photos(model_files, content.photos)
    groups = label_groups(content)
    text_live, image_live = {}, {}
    for variant in variants("text"):
        text = ort.InferenceSession(str(folder / f"text-{variant}.onnx"), options, providers=["CPUExecutionProvider"])
        text_live[variant] = embed_items(text, tokenizer, items)                         # (n_items, dim)
    for variant in variants("vision"):
        vision = ort.InferenceSession(str(folder / f"vision-{variant}.onnx"), options,
                                      providers=["CPUExecutionProvider"])
        image_live[variant] = normalise(vision.run(None, {"pixel_values": pixels})[0])  # (n_photos, dim)
    reference = text_reference @ image_reference.T  # (n_items, n_photos)
    parity = {"text": {}, "vision": {}, "vectors": (text_live, image_live)}
    for v in variants("text"):
        parity["text"][v] = compare(text_live[v] @ image_reference.T, reference, groups, near_tie)
    for v in variants("vision"):
        parity["vision"][v] = compare(text_reference @ image_live[v].T, reference, groups, near_tie)
    return parity


def session_options():
    """onnxruntime.SessionOptions as the browser's sessions are started (SESSION)."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.log_severity_level = 3
    level = ort.GraphOptimizationLevel
    options.graph_optimization_level = {"disabled": level.ORT_DISABLE_ALL, "basic": level.ORT_ENABLE_BASIC,
                                        "extended": level.ORT_ENABLE_EXTENDED,
                                        "all": level.ORT_ENABLE_ALL}[SESSION["graphOptimizationLevel"]]
    for key, value in SESSION["extra"].items():
        options.add_session_config_entry(key, value)
    return options


def label_groups(content):
    """Rows of the measured items that compete for each zero-shot prediction: the sampled vocabulary, and
    the default labels under each template (in measured_texts' order)."""
    n_sample = len(range(0, len(content.vocabulary), max(1, len(content.vocabulary) // MEASURED_LABELS)))
    n_sample = min(n_sample, MEASURED_LABELS)
    groups, begin = [np.arange(n_sample)], n_sample
    for _ in content.templates:
        groups.append(np.arange(begin, begin + len(content.default_labels)))
        begin += len(content.default_labels)
    return groups


def compare(live, reference, groups, near_tie):
    """Cosines (n_items, n_photos) from live vectors against the reference: the largest |difference|, and
    the share of (photo, label group) predictions whose top label agrees. A prediction whose top label
    leads the runner-up by less than near_tie is a near-tie: at the trained temperature (0.01) such a lead
    is under near_tie / 0.01 in logits (0.1 for 0.001: probabilities within about 10% of each other), and
    any rounding may swap them. Near-ties are counted, and their flips reported, but they are not in the agreement."""
    agree, ties, tie_flips = [], 0, 0
    for g in groups:
        for p in range(live.shape[1]):
            ranked = np.sort(reference[g, p])                         # (len(g),) ascending
            same = bool(live[g, p].argmax() == reference[g, p].argmax())
            if len(ranked) > 1 and ranked[-1] - ranked[-2] < near_tie:
                ties, tie_flips = ties + 1, tie_flips + (not same)
            else:
                agree.append(same)
    return dict(max_cosine_error=float(np.abs(live - reference).max()),
                top1_agreement=float(np.mean(agree)) if agree else 1.0,
                decided=len(agree), near_ties=ties, near_tie_flips=tie_flips)


def choose(folder, model_files, settings, parity, items, n_labels):
    """Per tower, the variant within the bounds that costs least memory, then fewest bytes (choose_variant;
    fp32 when none is within: it is torch to float rounding)."""
    text_live, image_live = parity.pop("vectors")
    manifest = dict(version=LIVE_VERSION, model=dict(name=model_files.name, fingerprint=model_files.fingerprint,
                                                     stand_in=model_files.stand_in, **vars(model_files.shape)),
                    bound=dict(max_cosine_error=settings["max_cosine_error"],
                               min_top1_agreement=settings["min_top1_agreement"], near_tie=settings["near_tie"]),
                    measured=dict(items=len(items), texts=sum(map(len, items)), labels=n_labels,
                                  photos=len(image_live["fp32"])),
                    candidates=[])
    for tower in ("text", "vision"):
        files = {v: dict(describe(folder / f"{tower}-{v}.onnx"), **memory_of(folder / f"{tower}-{v}.onnx"))
                 for v in variants(tower)}
        ok = {}
        for v in sorted(files, key=lambda v: files[v]["gzip_bytes"]):
            p = parity[tower][v]
            ok[v] = (p["max_cosine_error"] <= settings["max_cosine_error"]
                     and p["top1_agreement"] >= settings["min_top1_agreement"])
            manifest["candidates"].append(dict(tower=tower, variant=v, ok=ok[v], **files[v], parity=p))
        chosen = choose_variant({v: files[v] for v in files if ok[v]}) or "fp32"
        graph, weights = ship_apart(folder, tower, chosen)
        manifest[tower] = dict(variant=chosen, **files[chosen], parity=parity[tower][chosen])
        manifest[tower].update(graph, data=weights)  # what is downloaded: the graph, then its weights file
    text_v, vision_v = manifest["text"]["variant"], manifest["vision"]["variant"]
    reference = text_live["fp32"] @ image_live["fp32"].T
    manifest["parity_both"] = dict(compare(text_live[text_v] @ image_live[vision_v].T, reference,
                                           [np.arange(len(items))], settings["near_tie"]),
                                   note="both towers live, against both in fp32 ONNX")
    manifest["tokenizer"] = describe(copy_into(folder, Path(model_files.folder) / "tokenizer.json"))
    entities = folder / "entities.json"
    write_atomic(entities, json.dumps(html_entities(), ensure_ascii=False))
    manifest["entities"] = describe(entities)
    manifest["preprocess"] = preprocessing(model_files)
    manifest["session"] = SESSION
    text_files = [*tower_files(manifest["text"]), manifest["tokenizer"], manifest["entities"]]
    manifest["download"] = dict(text_model=sum(f["gzip_bytes"] for f in text_files),
                                vision=sum(f["gzip_bytes"] for f in tower_files(manifest["vision"])))
    return manifest


def ship_apart(folder, tower, variant):
    """(graph, weights) file entries: the chosen <tower>-<variant>.onnx as the browser gets it, its graph
    (<tower>-<variant>.graph.onnx, about 1 MB) and its large initializers in one ONNX external-data file
    beside it (<tower>-<variant>.weights; the graph names it). The worker hands the weights to onnxruntime-web
    as the session option externalData, which copies each weight straight into its tensor; a single file is
    first copied whole into onnxruntime's wasm heap, which keeps its largest size (about 100 MB more for the
    text tower, bench/results-live-memory.md). The same tensors byte for byte, so the parity measured holds."""
    import onnx
    graph, weights = folder / f"{tower}-{variant}.graph.onnx", folder / f"{tower}-{variant}.weights"
    weights.unlink(missing_ok=True)  # onnx appends to an existing data file
    onnx.save_model(onnx.load(str(folder / f"{tower}-{variant}.onnx")), str(graph), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=weights.name, size_threshold=1024)
    return describe(graph), describe(weights)


def choose_variant(within):
    """Of the variants within the parity bounds ({variant: its file's entry}), the one a reader's tab holds
    least of (tab_memory, estimated from the graph; the bench measures it in Chromium), allowing 10% for the
    estimate: among those, the one with the fewest bytes to download. None when no variant is within."""
    if not within:
        return None
    least = min(tab_memory(f) for f in within.values())
    light = [v for v, f in within.items() if tab_memory(f) <= 1.1 * least]
    return min(light, key=lambda v: within[v]["gzip_bytes"])


def preprocessing(model_files):
    """What the browser's port must do, from the checkpoint's preprocessor_config.json (CLIPImageProcessor)."""
    config = json.loads((Path(model_files.folder) / "preprocessor_config.json").read_text())
    size, crop = config.get("size", {}), config.get("crop_size", {})
    if config.get("resample", 3) != 3 or not config.get("do_center_crop", True) or "shortest_edge" not in size:
        raise BuildError("live mode supports CLIP's own preprocessing only (shortest edge, bicubic, centre crop)",
                         Path(model_files.folder) / "preprocessor_config.json")
    return dict(shortest_edge=size["shortest_edge"], crop=[crop.get("height", size["shortest_edge"]),
                                                             crop.get("width", size["shortest_edge"])],
                resample="bicubic", rescale=config.get("rescale_factor", 1 / 255),
                mean=config["image_mean"], std=config["image_std"], convert_rgb=config.get("do_convert_rgb", True))


def memory_of(path):
    """{'memory_bytes', 'folded_bytes'}: a tower's weights once onnxruntime has started its session. A weight
    that only a Cast reads is folded to float32 then (4 bytes a value: folded_bytes); any other (int8 read by
    int8 kernels or gathered as int8 rows, float32 read as it is) stays as stored. The bench measures what
    Chromium really holds (bench/livememory.py)."""
    import onnx
    from onnx import helper
    model = onnx.load(str(path))
    readers = {}
    for node in model.graph.node:
        for name in node.input:
            readers.setdefault(name, set()).add(node.op_type)
    memory = folded = 0
    for initializer in model.graph.initializer:
        count = int(np.prod(initializer.dims))
        if readers.get(initializer.name) == {"Cast"}:
            folded += 4 * count
        else:
            memory += count * np.dtype(helper.tensor_dtype_to_np_dtype(initializer.data_type)).itemsize
    return dict(memory_bytes=memory + folded, folded_bytes=folded)


def tab_memory(tower, runtime=None):
    """Bytes a browser tab is estimated to hold for one tower (manifest entry): the downloaded file and
    onnxruntime's parsed copy of it (its wasm heap keeps its largest size; of a tower shipped apart, only the
    graph is copied: its weights file once), the weights as they run, and the float32 copies that folding
    makes on the way; with runtime (the text tower), the compiled wasm (about twice its file). The bench sets
    this beside what Chromium really holds."""
    extra = 2 * sum(f["bytes"] for f in runtime["files"]) if runtime else 0  # the .wasm (the .mjs are small)
    weights = tower["data"]["bytes"] if "data" in tower else 0
    return 2 * tower["bytes"] + weights + tower["memory_bytes"] + tower["folded_bytes"] + extra


def describe(path):
    data = Path(path).read_bytes()
    return dict(file=Path(path).name, bytes=len(data), gzip_bytes=len(gzip.compress(data, 6)),
                sha256=hashlib.sha256(data).hexdigest())


def copy_into(folder, source):
    target = folder / source.name
    shutil.copyfile(source, target)
    return target
