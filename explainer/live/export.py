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
# the text graph's: the text vector, then the end token's attention per layer (text_tower, explainer/towers.py)
TEXT_OUTPUTS = ("text_embeds", "end_attention")


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
    shape = model_files.shape
    # eager attention: the fused kernels return no attention weights (the towers' extra outputs need them)
    eager = CLIPModel.from_pretrained(model_files.folder, attn_implementation="eager").eval()
    export_text(eager, shape.context_length, folder / "text-fp32.onnx", end_attention=True)
    pixels = torch.zeros(2, 3, shape.image_size, shape.image_size)  # (batch, 3, size, size)
    vision = torch.onnx.export(vision_tower(eager), (pixels,), dynamo=True, optimize=True, verbose=False,
                               input_names=["pixel_values"], output_names=list(VISION_OUTPUTS),
                               dynamic_shapes={"pixel_values": {0: Dim("batch", min=1, max=1024)}})
    vision.save(str(folder / "vision-fp32.onnx"))


def export_text(model, context_length, path, end_attention=False):
    """The fp32 ONNX of a CLIPModel's text tower (dynamic batch and sequence): with end_attention (model: eager
    attention) as live mode ships it, its outputs TEXT_OUTPUTS; without, the vector alone, as the bench measures
    it for the build."""
    import torch
    from torch.export import Dim
    ids = torch.full((2, 8), model.config.text_config.eos_token_id, dtype=torch.int64)  # (batch, sequence)
    ids[:, 0] = model.config.text_config.bos_token_id
    ids[:, 1:5] = torch.arange(400, 404)
    mask = torch.ones_like(ids)
    batch, sequence = Dim("batch", min=1, max=4096), Dim("sequence", min=2, max=context_length)
    outputs = list(TEXT_OUTPUTS if end_attention else TEXT_OUTPUTS[:1])
    text = torch.onnx.export(text_tower(model, end_attention), (ids, mask), dynamo=True, optimize=True,
                             verbose=False, input_names=["input_ids", "attention_mask"], output_names=outputs,
                             dynamic_shapes={"input_ids": {0: batch, 1: sequence},
                                             "attention_mask": {0: batch, 1: sequence}})
    text.save(str(path))


def text_tower(model, end_attention=False):
    """CLIP's text tower as a module of its own: (input_ids, attention_mask) -> projected text embeds, and with
    end_attention (model: eager attention) the end token's attention row at each layer, mean over heads
    (batch, L, sequence), the text-attention figure's numbers (explainer/towers.py text_numbers, the same recipe):
    the end token is the one whose state becomes the vector (HF's pooling, sharedprefix.pooled_position); the
    causal mask leaves its weights beyond itself 0. A gather and a mean of weights the pass computes anyway."""
    import torch

    class Text(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.clip = model

        def forward(self, input_ids, attention_mask):  # (batch, sequence) each -> (batch, dim)
            if not end_attention:
                return projected(self.clip.get_text_features(input_ids=input_ids, attention_mask=attention_mask))
            tower = self.clip.text_model
            out = tower(input_ids=input_ids, attention_mask=attention_mask, output_attentions=True)
            text = self.clip.text_projection(out.pooler_output)                               # (batch, dim)
            ids = input_ids.to(torch.int)  # argmax has no int64 kernel in some opsets (as HF's pooling casts)
            end = ids.argmax(dim=-1) if tower.eos_token_id == 2 else (ids == tower.eos_token_id).to(torch.int) \
                .argmax(dim=-1)                                                               # (batch,)
            heads, sequence = out.attentions[0].shape[1], input_ids.shape[1]
            at = end.view(-1, 1, 1, 1).expand(-1, heads, 1, sequence)                       # (batch, H, 1, seq)
            rows = torch.stack([a.gather(2, at)[:, :, 0].mean(dim=1) for a in out.attentions], dim=1)
            return text, rows                                                                 # rows: (batch, L, seq)
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
