"""Live mode's choose phase: per tower the variant within the bounds that a reader's tab holds least of, and the
manifest that describes it."""
import json
from pathlib import Path

import numpy as np

from ..cache import write_atomic
from ..errors import BuildError
from ..textclean import html_entities
from .common import LIVE_VERSION, SESSION, copy_into, describe, tower_files, variants
from .measure import compare


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
            if "towers" in p:  # the graphs' attention (and lens), against torch: the same bound as a cosine
                p["towers"]["ok"] = max(p["towers"].values()) <= settings["max_cosine_error"]
            ok[v] = (p["max_cosine_error"] <= settings["max_cosine_error"]
                     and p["top1_agreement"] >= settings["min_top1_agreement"])
            manifest["candidates"].append(dict(tower=tower, variant=v, ok=ok[v], **files[v], parity=p))
        chosen = choose_variant({v: files[v] for v in files if ok[v]}) or "fp32"
        graph = describe(folder / f"{tower}-{chosen}.graph.onnx")  # shipped apart by the export (shrink.ship_apart)
        weights = describe(folder / f"{tower}-{chosen}.weights")
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
