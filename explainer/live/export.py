"""Live mode's export phase: the fp32 ONNX of both towers (torch.onnx.export), then their variants (shrink)."""
import contextlib
import logging
import warnings

from ..embed import projected
from .common import variants
from .shrink import make_variants, ship_apart

log = logging.getLogger(__name__)


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
