"""Stage 2, embed: photos and (template, label) texts through CLIP's two towers, behind the cache.

Only cache misses reach the model. Texts are tokenised without padding, sorted by length and padded
per batch to the batch's longest text (not to the context length, 77 for CLIP), so short labels cost short sequences.
"""
import hashlib
import os
import time
from dataclasses import dataclass

import numpy as np

from .cache import EmbeddingCache, cache_key

TEXT_BATCH = 256
ENSEMBLE_CHUNK = 16384  # prompts per call when embedding the ensemble


@dataclass
class Embeddings:
    image: np.ndarray          # (n_photos, dim) float32, unit norm
    image_seconds: np.ndarray  # (n_photos,) model seconds per photo, measured when it was embedded
    text: np.ndarray           # (n_templates, n_vocab, dim) float32, unit norm; vocabulary order
    stats: dict                # what reached the model in this build


class Clip:
    """CLIP's two towers, loaded on first use (a build served by the cache never imports torch)."""

    def __init__(self, folder):
        self.folder = folder
        self.model = None
        self.forward_passes = 0
        self.texts_embedded = 0
        self.images_embedded = 0

    def _load(self):
        if self.model is None:
            import torch
            from transformers import CLIPImageProcessorPil, CLIPModel, CLIPTokenizer
            torch.set_num_threads(os.cpu_count() or 1)
            self.torch = torch
            self.model = CLIPModel.from_pretrained(self.folder).eval()
            self.tokenizer = CLIPTokenizer.from_pretrained(self.folder)
            self.processor = CLIPImageProcessorPil.from_pretrained(self.folder)

    def preprocess(self, image):
        """PIL RGB image -> (1, 3, image_size, image_size) float32 pixel values, exactly as CLIP expects them."""
        self._load()
        return self.processor(images=[image], return_tensors="pt")["pixel_values"]

    def embed_image(self, image):
        """One photo -> ((dim,) unit vector, seconds the forward pass took)."""
        pixels = self.preprocess(image)  # (1, 3, image_size, image_size)
        start = time.perf_counter()
        with self.torch.inference_mode():
            features = self.model.get_image_features(pixel_values=pixels)
        seconds = time.perf_counter() - start
        self.forward_passes += 1
        self.images_embedded += 1
        return normalise(_projected(features).numpy())[0], seconds

    def embed_texts(self, texts):
        """n texts -> ((n, dim) unit vectors, seconds per text), batched by token length."""
        self._load()
        ids = self.tokenizer(list(texts), truncation=True,
                             max_length=self.model.config.text_config.max_position_embeddings)["input_ids"]  # ragged, no padding
        order = np.argsort([len(x) for x in ids], kind="stable")  # similar lengths share a batch
        out = np.empty((len(texts), self.model.config.projection_dim), dtype=np.float32)
        start = time.perf_counter()
        for begin in range(0, len(order), TEXT_BATCH):
            rows = order[begin:begin + TEXT_BATCH]
            batch = self.tokenizer.pad({"input_ids": [ids[i] for i in rows]}, return_tensors="pt")
            with self.torch.inference_mode():
                features = self.model.get_text_features(input_ids=batch["input_ids"],
                                                        attention_mask=batch["attention_mask"])
            out[rows] = _projected(features).numpy()  # (batch, dim)
            self.forward_passes += 1
        self.texts_embedded += len(texts)
        seconds = (time.perf_counter() - start) / max(len(texts), 1)
        return normalise(out), seconds


def _projected(features):
    # transformers 5 returns an output object whose pooler_output is the projected vector
    return getattr(features, "pooler_output", features)


def normalise(vectors):
    """Rows to unit length: CLIP compares directions only."""
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


def embed(content, model_files, cache_dir, clip=None):
    """Every photo and every (template, vocabulary label) pair, from the cache or the model."""
    cache = EmbeddingCache(cache_dir / "embeddings" / cache_namespace(model_files))
    clip = clip or Clip(model_files.folder)

    image_keys = [cache_key("image", photo.sha256) for photo in content.photos]
    for photo, key in zip(content.photos, image_keys):
        if key not in cache:
            vector, seconds = clip.embed_image(photo.image)
            cache.put([key], [vector], [seconds])
    image = np.stack([cache.get(k) for k in image_keys])  # (n_photos, dim)
    image_seconds = np.array([cache.seconds[k] for k in image_keys])

    text = np.empty((len(content.templates), len(content.vocabulary), model_files.shape.dim), dtype=np.float32)
    for t, template in enumerate(content.templates):
        if template.ensemble:
            text[t] = embed_ensemble(content.ensemble_templates, content.vocabulary, cache, clip)
        else:
            text[t] = embed_prompts([template.fill(label) for label in content.vocabulary], cache, clip)
    cache.save()
    stats = dict(forward_passes=clip.forward_passes, texts_embedded=clip.texts_embedded,
                 images_embedded=clip.images_embedded)
    return Embeddings(image, image_seconds, text, stats)


def embed_prompts(prompts, cache, clip):
    """(n,) prompt strings -> (n, dim), computing only the misses."""
    keys = [cache_key("text", p) for p in prompts]
    missing = [i for i, k in enumerate(keys) if k not in cache]
    if missing:
        vectors, seconds = clip.embed_texts([prompts[i] for i in missing])
        cache.put([keys[i] for i in missing], vectors, [seconds] * len(missing))
    return np.stack([cache.get(k) for k in keys])


def embed_ensemble(templates, labels, cache, clip):
    """CLIP's prompt ensemble: per label, the normalised mean of its normalised template vectors.

    Cached per (whole template list, label): changing any of the templates recomputes the ensemble.
    """
    joined = "\n".join(templates)
    keys = [cache_key("ensemble", joined, label) for label in labels]
    missing = [i for i, k in enumerate(keys) if k not in cache]
    per_chunk = max(1, ENSEMBLE_CHUNK // len(templates))  # labels per call: bounded memory, full batches
    for begin in range(0, len(missing), per_chunk):
        chunk = missing[begin:begin + per_chunk]
        prompts = [template.replace("{label}", labels[i]) for i in chunk for template in templates]
        vectors, per_text = clip.embed_texts(prompts)                   # (n_chunk * n_templates, dim)
        mean = vectors.reshape(len(chunk), len(templates), -1).mean(axis=1)  # (n_chunk, dim)
        cache.put([keys[i] for i in chunk], normalise(mean), [per_text * len(templates)] * len(chunk))
    return np.stack([cache.get(k) for k in keys])


def cache_namespace(model_files):
    """The cache folder's name: the weights' fingerprint plus the tokenizer and preprocessing files."""
    digest = hashlib.sha256(model_files.fingerprint.encode())
    for name in ("tokenizer.json", "vocab.json", "merges.txt", "preprocessor_config.json"):
        path = model_files.folder / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]
