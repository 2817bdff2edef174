"""Live mode's export phase: the fp32 ONNX of both towers (torch.onnx.export), then their variants (shrink)."""
import contextlib
import logging
import warnings

from ..embed import projected
from .common import variants
from .shrink import make_variants, ship_apart

log = logging.getLogger(__name__)
# the vision graph's outputs: the image vector, then the towers' numbers for the deep dive (vision_tower)
VISION_OUTPUTS = ("image_embeds", "class_attention", "lens", "mean_attention")


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


def export(model_files, folder):
    """fp32 ONNX of both towers, then the smaller variants, each written once into folder, and each variant
    shipped apart (<tower>-<variant>.graph.onnx and .weights): the files measured are the files downloaded."""
    if all((folder / f"{tower}-{v}.graph.onnx").exists() for tower in ("text", "vision") for v in variants(tower)):
        return
    folder.mkdir(parents=True, exist_ok=True)
    if not all((folder / f"{tower}-fp32.onnx").exists() for tower in ("text", "vision")):  # else: variants only
        export_fp32(model_files, folder)
    for tower in ("text", "vision"):
        make_variants(folder, tower)
        for variant in variants(tower):
            ship_apart(folder, tower, variant)


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
    # eager attention: the fused kernels return no attention weights (the towers' extra outputs need them)
    eager = CLIPModel.from_pretrained(model_files.folder, attn_implementation="eager").eval()
    pixels = torch.zeros(2, 3, shape.image_size, shape.image_size)  # (batch, 3, size, size)
    vision = torch.onnx.export(vision_tower(eager), (pixels,), dynamo=True, optimize=True, verbose=False,
                               input_names=["pixel_values"], output_names=list(VISION_OUTPUTS),
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
    """CLIP's vision tower as a module of its own: pixel_values -> (image_embeds, class_attention, lens,
    mean_attention), the projected image embeds and what the deep dive "Inside the towers" draws for one photo
    (explainer/towers.py vision_numbers, the same recipe): the class token's attention row at each layer and head,
    the class token after each layer through post_layernorm and visual_projection, to unit length (the logit lens),
    and each layer's attention averaged over heads (every token's row: the page's rollout, rules/towers.js, needs
    them all). The extra outputs are slices, means and L small projections of tensors the pass computes anyway
    (model: eager attention)."""
    import torch

    class Vision(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.clip = model

        def forward(self, pixel_values):  # (batch, 3, size, size)
            tower = self.clip.vision_model
            out = tower(pixel_values=pixel_values, output_attentions=True, output_hidden_states=True)
            image = self.clip.visual_projection(out.pooler_output)                           # (batch, dim)
            attention = torch.stack([a[:, :, 0, :] for a in out.attentions], dim=1)          # (batch, L, H, T)
            classes = torch.stack([h[:, 0] for h in out.hidden_states[1:]], dim=1)          # (batch, L, width)
            lens = self.clip.visual_projection(tower.post_layernorm(classes))                # (batch, L, dim)
            mean = torch.stack([a.mean(dim=1) for a in out.attentions], dim=1)               # (batch, L, T, T)
            return image, attention, lens / lens.norm(dim=-1, keepdim=True), mean
    return Vision()
