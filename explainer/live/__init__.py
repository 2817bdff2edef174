"""Live mode's build step: CLIP's two towers as ONNX files the browser runs on request (onnxruntime-web).
One module per phase (export.py, shrink.py, measure.py with webengine.py, choose.py), the step that runs them
in order (step.py), and site/live/ with the page's snapshot of it (write.py); shared constants in common.py.

    export  the text tower (input_ids, attention_mask -> projected text embeds, and the text-attention
            figure's end_attention from the same pass; dynamic batch and sequence) and the vision tower
            (pixel_values -> projected image embeds, and the towers figures'
            class_attention, lens and mean_attention from the same pass; dynamic batch) of the
            model the site is built with, with torch.onnx.export(dynamo=True);
    shrink  each into web variants: int8 (dynamic, per-channel MatMuls and token embedding), int8-weights
            (every large weight stored as per-channel int8, arithmetic in float32), int8-weights-emb6
            (the same with the text tower's token table rounded to 6-bit levels), int8-fp16 (int8
            MatMuls, every other large weight stored as float16), fp16 (weights stored as float16,
            arithmetic in float32) and fp32;
    measure each variant, as shipped (graph and weights file), in onnxruntime-web's WebAssembly engine under
            Node with the page's session settings (webengine: the reader's numbers, the same on any build
            machine's CPU) against the build's own torch vectors (the embedding cache):
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
from .choose import choose_variant, memory_of, preprocessing, tab_memory
from .common import LIVE_VERSION, SESSION, VARIANTS, describe, files_of, tower_files
from .export import export_text, quiet
from .measure import compare, run_text, tokenizer_for
from .step import Live, describe_parity, make_live
from .webengine import image_job, run_in_node, text_job
from .write import snapshot_live, write_live

__all__ = ["LIVE_VERSION", "SESSION", "VARIANTS", "Live", "choose_variant", "compare", "describe",
           "describe_parity", "export_text", "files_of", "image_job", "make_live", "memory_of", "preprocessing",
           "quiet", "run_in_node", "run_text", "snapshot_live", "tab_memory", "text_job", "tokenizer_for",
           "tower_files", "write_live"]
