"""The stand-in model: CLIP's architecture, tokenizer and preprocessing, with small seeded random weights.

The real weights cannot be downloaded here, so tests and offline builds use this instead. Its numbers
mean nothing about CLIP; every page built with it says so in a banner.
"""
import gzip
import importlib.metadata
import json
from pathlib import Path

STAND_IN_VERSION = 1  # bump when the recipe below changes, so caches keyed by fingerprint stay honest
SEED = 20210226       # CLIP's paper date: any fixed number would do
LOGIT_SCALE = 4.605170185988092  # ln(100), the trained CLIP value: tau = 1 / exp(logit_scale) = 0.01


def bpe_merges_path():
    """CLIP's BPE merges, shipped inside the open_clip_torch wheel (read as a file, never imported)."""
    dist = importlib.metadata.distribution("open_clip_torch")
    found = next(f for f in dist.files if f.name == "bpe_simple_vocab_16e6.txt.gz")
    return Path(dist.locate_file(found))


def bytes_to_unicode():
    """GPT-2/CLIP's reversible map from the 256 byte values to printable unicode characters."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    codes, extra = printable[:], 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, codes), strict=True))


def write_clip_tokenizer_files(folder):
    """vocab.json + merges.txt exactly as openai/clip-vit-base-patch32 has them (49,408 tokens)."""
    lines = gzip.open(bpe_merges_path()).read().decode("utf-8").split("\n")
    merges = lines[1:49152 - 256 - 2 + 1]  # the merges CLIP used: 48,894 after the header line
    byte_chars = list(bytes_to_unicode().values())
    vocab = byte_chars + [c + "</w>" for c in byte_chars] + ["".join(m.split()) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    (folder / "vocab.json").write_text(json.dumps({token: i for i, token in enumerate(vocab)}, ensure_ascii=False))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")


# Stand-ins shaped like the OpenAI checkpoints: the real projection dimension, patch and image size
# (small towers all the same). make_stand_in(folder) with no shape is ViT-B/32, the build's stand-in.
SHAPES = {
    "ViT-B/32": dict(projection_dim=512, patch_size=32, image_size=224),
    "ViT-B/16": dict(projection_dim=512, patch_size=16, image_size=224),
    "ViT-L/14": dict(projection_dim=768, patch_size=14, image_size=224),
}


def make_stand_in(folder, projection_dim=512, patch_size=32, image_size=224, context_length=77):
    """Write a complete stand-in checkpoint to folder with save_pretrained (loaded like a real one).
    The defaults are ViT-B/32's sizes; pass one of SHAPES (make_stand_in(f, **SHAPES["ViT-L/14"])) for others."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel, CLIPTokenizer
    from transformers.utils import logging
    logging.disable_progress_bar()  # "Writing model shards" for one small file is noise in a build log

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_clip_tokenizer_files(folder)
    tokenizer = CLIPTokenizer.from_pretrained(folder)
    text = dict(vocab_size=49408, hidden_size=64, intermediate_size=256, num_hidden_layers=2,
                num_attention_heads=2, max_position_embeddings=context_length, bos_token_id=49406,
                eos_token_id=49407, pad_token_id=49407)
    vision = dict(hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=2,
                  image_size=image_size, patch_size=patch_size)
    config = CLIPConfig(text_config=text, vision_config=vision, projection_dim=projection_dim,
                        logit_scale_init_value=LOGIT_SCALE)
    torch.manual_seed(SEED)
    model = CLIPModel(config).eval()  # weights: seeded random; shapes: projection_dim-d like the real CLIP
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    # OpenAI's preprocessing: resize the short side (bicubic), centre crop to image_size, mean/std
    CLIPImageProcessorPil(size={"shortest_edge": image_size},
                          crop_size={"height": image_size, "width": image_size}).save_pretrained(folder)
    (folder / "STAND_IN").write_text(f"stand-in version {STAND_IN_VERSION}: untrained, seeded random weights\n")
    return folder
