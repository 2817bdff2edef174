"""Stage 2, embed: photos and (template, label) texts through CLIP's two towers, behind the cache.

Every text is cleaned the way CLIP's own tokenizer cleans it (textclean.clean: ftfy, HTML entities,
whitespace) before it is tokenised, and cached under its cleaned text, so a plain-ASCII prompt keeps its key.
Only cache misses reach the model. Texts are tokenised without padding, sorted by length and padded
per batch to the batch's longest text (not to the context length, 77 for CLIP), so short labels cost
short sequences.

The step first works out what the cache lacks, says so in one line, then embeds it with a progress
bar (texts per second and an estimate of the time left) on stderr.
"""
import hashlib
import logging
import os
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from .cache import EmbeddingCache, cache_key
from .content import PLACEHOLDER
from .errors import BuildError
from .progress import Progress
from .textclean import clean

TEXT_BATCH = 256
# texts per pass on the shared-prefix path (a few tokens each: more texts per pass than TEXT_BATCH) by its
# runtime, and torch's CPU threads (None: one per core); chosen by `make bench ONLY=embed` on 2 cores:
# onnxruntime 256 (3.23x today's path against 2.02x at 1024), torch 1024 (1.98x against 1.33x at 256);
# 2 threads beat 1 on both
SHARED_BATCH = {"onnxruntime": 256, "torch": 1024}
TEXT_THREADS = None
# the runtime of the shared-prefix step on the CPU: onnxruntime on its ONNX export (sharedprefix.export_step),
# or torch's eager modules; chosen by `make bench ONLY=embed`
SHARED_RUNTIME = "onnxruntime"
RUNTIMES = ("onnxruntime", "torch")
STEP_VERSION = 1  # of sharedprefix.Step's export: a new number re-exports it
ENSEMBLE_CHUNK = 16384  # prompts per call when embedding the ensemble
DEVICES = ("auto", "cpu", "cuda")
log = logging.getLogger(__name__)


@dataclass
class Embeddings:
    image: np.ndarray          # (n_photos, 512) float32, unit norm
    image_seconds: np.ndarray  # (n_photos,) model seconds per photo, measured when it was embedded
    text: np.ndarray           # (n_templates, n_vocab, 512) float32, unit norm; vocabulary order
    stats: dict                # what reached the model in this build
    occluded: np.ndarray = None  # (n_photos, grid * grid, 512) float32, unit norm: one patch cell hidden each
    captions: np.ndarray = None  # (n_photos, 512) float32, unit norm: each photo's alt text, as a plain text
    baselines: np.ndarray = None  # (n_templates, 512) float32, unit norm: each template with an empty label


def check_device(device):
    """'auto' -> 'cuda' when torch sees a GPU, else 'cpu'; an explicit 'cuda' without one is an error.
    Imports torch, so it is called only when the model is about to run."""
    if device not in DEVICES:
        raise BuildError(f"--device {device!r}: choose one of {', '.join(DEVICES)}")
    import torch
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise BuildError("--device cuda: torch sees no CUDA device on this machine "
                         f"(torch {torch.__version__}, CUDA build: {torch.version.cuda or 'no'}); "
                         "use --device cpu or auto")
    return device


class Clip:
    """CLIP's two towers, loaded on first use (a build served by the cache never imports torch).

    device: 'auto', 'cpu' or 'cuda'. The vectors do not depend on it beyond float32 rounding, so the
    cache key leaves it out; nor on batch, threads or share_prefixes (the bench's levers)."""

    def __init__(self, folder, device="auto", batch=TEXT_BATCH, threads=None, share_prefixes=True,
                 shared_batch=None, runtime=SHARED_RUNTIME, step_folder=None):
        """runtime: what runs the shared-prefix step on the CPU (RUNTIMES; CUDA always runs torch);
        step_folder: (fill) -> the folder holding that step's ONNX export, fill(folder) writing it on a miss
        (a cache.Cache.folder_memo; embed() gives one); None: a temporary folder, exported once per Clip."""
        self.folder = folder
        self.device = device
        self.batch, self.threads, self.share_prefixes, self.shared_batch = batch, threads, share_prefixes, shared_batch
        if runtime not in RUNTIMES:
            raise ValueError(f"runtime {runtime!r}: choose one of {RUNTIMES}")
        self.shared_batch = shared_batch or SHARED_BATCH[runtime]
        self.runtime, self.step_folder, self.session = runtime, step_folder, None
        self.model = None
        self.processor = None
        self.forward_passes = 0
        self.texts_embedded = 0
        self.texts_shared = 0  # of texts_embedded, those that shared their template's prefix
        self.pasts = {}        # the last prefixes' keys and values (sharedprefix.Past), by their token ids
        self.images_embedded = 0
        self.occluded_embedded = 0

    def _load(self):
        if self.model is None:
            import torch
            from transformers import CLIPModel, CLIPTokenizer
            from transformers.utils import logging
            logging.disable_progress_bar()  # "Loading weights" says nothing useful in a build log
            self.device = check_device(self.device)
            if self.device == "cpu":
                torch.set_num_threads(self.threads or TEXT_THREADS or os.cpu_count() or 1)
            self.torch = torch
            self.model = CLIPModel.from_pretrained(self.folder).eval().to(self.device)
            self.tokenizer = CLIPTokenizer.from_pretrained(self.folder)

    def preprocess(self, image):
        """PIL RGB image -> (1, 3, 224, 224) float32 pixel values, exactly as CLIP expects them. Loads only the
        processor, so the "what the model sees" figure can use this without the weights."""
        if self.processor is None:
            from transformers import CLIPImageProcessorPil
            self.processor = CLIPImageProcessorPil.from_pretrained(self.folder)
        return self.processor(images=[image], return_tensors="pt")["pixel_values"]

    def embed_image(self, image):
        """One photo -> ((dim,) unit vector, seconds the forward pass took)."""
        self._load()
        pixels = self.preprocess(image).to(self.device)  # (1, 3, image_size, image_size)
        start = time.perf_counter()
        with self.torch.inference_mode():
            features = projected(self.model.get_image_features(pixel_values=pixels)).cpu()
        seconds = time.perf_counter() - start
        self.forward_passes += 1
        self.images_embedded += 1
        return normalise(features.numpy())[0], seconds

    def embed_occluded(self, image, grid):
        """One photo -> (grid * grid, dim) unit vectors, the photo embedded once with each cell of the patch grid
        (row by row, row 0 at the top of the image_size square) painted in the processor's mean colour. In the
        normalised pixel values that colour is 0 in every channel: (mean - mean) / std."""
        self._load()
        pixels = self.preprocess(image)                                   # (1, 3, S, S)
        batch = occluded_copies(pixels[0].numpy(), grid)                  # (grid * grid, 3, S, S)
        with self.torch.inference_mode():
            features = projected(self.model.get_image_features(
                pixel_values=self.torch.from_numpy(batch).to(self.device))).cpu()
        self.forward_passes += 1
        self.occluded_embedded += len(batch)
        return normalise(features.numpy())

    def embed_texts(self, texts, progress=None, prefixes=None):
        """n texts -> ((n, dim) unit vectors, seconds per text), batched by token length.
        progress: called with the number of texts done after each batch.
        prefixes: per text, the text it begins with (its template's words before {label}): each prefix's
        tokens are run once and shared (sharedprefix.py; exact) by the texts whose token ids truly begin
        with them; the others take the plain forward."""
        self._load()
        ids = self.tokenizer(list(texts), truncation=True,
                             max_length=self.model.config.text_config.max_position_embeddings)["input_ids"]  # ragged
        out = np.empty((len(texts), self.model.config.projection_dim), dtype=np.float32)
        start = time.perf_counter()
        plain = list(range(len(texts)))
        if prefixes is not None and self.share_prefixes:
            plain = self._embed_shared(ids, prefixes, out, progress)
        order = sorted(plain, key=lambda i: len(ids[i]))  # similar lengths share a batch (stable)
        for begin in range(0, len(order), self.batch):
            rows = order[begin:begin + self.batch]
            batch = self.tokenizer.pad({"input_ids": [ids[i] for i in rows]}, return_tensors="pt").to(self.device)
            with self.torch.inference_mode():
                features = self.model.get_text_features(input_ids=batch["input_ids"],
                                                        attention_mask=batch["attention_mask"])
            out[rows] = projected(features).cpu().numpy()  # (batch, dim)
            self.forward_passes += 1
            if progress:
                progress(len(rows))
        self.texts_embedded += len(texts)
        seconds = (time.perf_counter() - start) / max(len(texts), 1)
        return normalise(out), seconds

    def _embed_shared(self, ids, prefixes, out, progress):
        """Fills out's rows of the texts whose ids begin with their prefix's ids (each distinct prefix run
        once; texts of every template share a batch); returns the indices of the other texts."""
        from .sharedprefix import SharedPrefix, pooled_position
        shared = self.shared_prefix = getattr(self, "shared_prefix", None) or SharedPrefix(self.model)
        distinct = list(dict.fromkeys(prefixes))  # each template's prefix once, in order
        prefix_ids = [self.tokenizer(p)["input_ids"][:-1] for p in distinct]  # start token and words, no end
        which = dict(zip(distinct, range(len(distinct)), strict=True))
        rests, plain = {}, []
        for i, (text_ids, prefix) in enumerate(zip(ids, prefixes, strict=True)):
            own = prefix_ids[which[prefix]]
            pooled = pooled_position(text_ids, shared.eos_token_id)
            if text_ids[:len(own)] == own and pooled >= len(own):
                rests[i] = text_ids[len(own):pooled + 1]  # what follows the prefix, up to the pooled token
            else:
                plain.append(i)  # e.g. a label that merges with the template's text: the plain forward
        if not rests:
            return plain
        self.texts_shared += len(rests)
        order = sorted(rests, key=lambda i: len(rests[i]))  # similar lengths share a batch (stable)
        with self.torch.inference_mode():
            key = tuple(map(tuple, prefix_ids))
            if key not in self.pasts:  # the ensemble's chunks share their 80 prefixes: run them once
                self.pasts = {key: shared.past(prefix_ids)}
            past = self.pasts[key]
            for begin in range(0, len(order), self.shared_batch):
                rows = order[begin:begin + self.shared_batch]
                inputs = shared.inputs(past, [which[prefixes[i]] for i in rows], [rests[i] for i in rows])
                if self.runtime == "onnxruntime" and self.device == "cpu" and self._session():
                    vectors = self.session.run(None, {k: v.numpy() for k, v in inputs.items()})[0]
                else:
                    vectors = shared.step(**inputs).cpu().numpy()
                out[rows] = vectors  # (batch, dim)
                self.forward_passes += 1
                if progress:
                    progress(len(rows))
        return plain

    def _session(self):
        """The onnxruntime session of the shared-prefix step's export, made on first use; None (torch runs the
        step, with a warning) when the export fails: an unusual checkpoint costs speed, never the build."""
        if self.session is None and self.runtime == "onnxruntime":
            try:
                self.session = self._export_and_load()
            except Exception as error:  # the exporter's failures are long tracebacks: one line, and go on
                log.warning(f"  embed: the shared-prefix step's ONNX export failed ({type(error).__name__}: "
                            f"{str(error).splitlines()[0] if str(error) else ''}); torch runs it instead")
                self.runtime = "torch"
        return self.session

    def _export_and_load(self):
        """Step's export (from the step folder, or made there first) -> an onnxruntime CPU session."""
        import tempfile

        import onnxruntime

        from .sharedprefix import export_step

        def fill(folder):
            export_step(self.model, folder / "step.onnx")
        if self.step_folder is None:
            self._step_tmp = tempfile.TemporaryDirectory(prefix="shared-step-")  # removed with the Clip
            folder = Path(self._step_tmp.name)
            fill(folder)
        else:
            folder = self.step_folder(fill)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = self.threads or TEXT_THREADS or os.cpu_count() or 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        return onnxruntime.InferenceSession(str(folder / "step.onnx"), options, providers=["CPUExecutionProvider"])


def projected(features):
    """get_text_features / get_image_features' vector: transformers 5 returns an output object whose
    pooler_output is the projected vector (older versions, the tensor itself)."""
    return getattr(features, "pooler_output", features)


def occluded_copies(pixels, grid):
    """(3, S, S) normalised pixel values -> (grid * grid, 3, S, S): copy k has cell (k // grid, k % grid), an
    S / grid square, set to 0, the normalised value of the processor's mean colour."""
    size = pixels.shape[-1] // grid
    copies = np.repeat(pixels[None], grid * grid, axis=0)
    for k in range(grid * grid):
        row, col = divmod(k, grid)
        copies[k, :, row * size:(row + 1) * size, col * size:(col + 1) * size] = 0
    return copies


def normalise(vectors):
    """Rows to unit length: CLIP compares directions only."""
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


def embed(content, model_files, cache, clip=None, device="auto", progress=False):
    """Every photo and every (template, vocabulary label) pair, from the cache (cache.Cache) or the model.
    Logs one line saying what the cache lacks; progress: show a progress bar on stderr."""
    clip = clip or Clip(model_files.folder, device)
    if clip.step_folder is None:  # the shared-prefix step's ONNX export, kept like live mode's: once per model
        key = f"{cache_namespace(model_files)}-v{STEP_VERSION}"
        clip.step_folder = partial(cache.folder_memo, "embed-step", key, last="step.onnx")  # (fill) -> folder
    cache = EmbeddingCache(cache.path("embeddings", cache_namespace(model_files)))

    # what the cache lacks, counted before anything runs
    image_keys = [cache_key("image", photo.sha256) for photo in content.photos]
    missing_photos = [i for i, key in enumerate(image_keys) if key not in cache]
    plans = [EnsemblePlan(content.ensemble_templates, content.vocabulary, cache) if template.ensemble
             else PromptPlan([clean(template.fill(label)) for label in content.vocabulary], cache,
                             prefix=template_prefix(template.text))
             for template in content.templates]
    extras = extra_plans(content, cache)  # the deep dive's texts: captions and empty-label baselines
    n_texts = sum(plan.texts_total for plan in plans + extras)
    n_missing = sum(plan.texts_missing for plan in plans + extras)
    log.info(f"  embed: {n_texts:,} texts and {len(image_keys)} photos; the cache has "
             f"{n_texts - n_missing:,} texts and {len(image_keys) - len(missing_photos)} photos; "
             f"{n_missing:,} texts and {len(missing_photos)} photos to embed")

    with Progress(len(missing_photos), "photos", enabled=progress) as bar:
        for i in missing_photos:
            vector, seconds = clip.embed_image(content.photos[i].image)
            cache.put([image_keys[i]], [vector], [seconds])
            bar.update(1)
    image = np.stack([cache.get(k) for k in image_keys])  # (n_photos, dim)
    image_seconds = np.array([cache.seconds[k] for k in image_keys])
    occluded = embed_occluded(content.photos, model_files.shape.patches_per_side, cache, clip, progress)

    text = np.empty((len(content.templates), len(content.vocabulary), model_files.shape.dim), dtype=np.float32)
    with Progress(n_missing, "texts", enabled=progress) as bar:
        for t, plan in enumerate(plans):
            text[t] = plan.run(cache, clip, bar.update)
        captions, *baselines = (plan.run(cache, clip, bar.update) for plan in extras)
    cache.save()
    stats = dict(forward_passes=clip.forward_passes, texts_embedded=clip.texts_embedded,
                 images_embedded=clip.images_embedded, occluded_embedded=clip.occluded_embedded)
    return Embeddings(image, image_seconds, text, stats, occluded, captions, np.concatenate(baselines))


def extra_plans(content, cache):
    """The deep dive's texts: each photo's alt text (the objective's captions), then each template with {label}
    replaced by nothing, spaces cleaned ("a photo of a ."; bare: ""; the ensemble: its templates so emptied)."""
    captions = PromptPlan([clean(photo.alt) for photo in content.photos], cache)
    return [captions] + [EnsemblePlan(content.ensemble_templates, [""], cache) if template.ensemble
                         else PromptPlan([clean(template.fill(""))], cache) for template in content.templates]


def embed_occluded(photos, grid, cache, clip, progress=False):
    """Every photo with each patch cell hidden in turn (the occlusion map's vectors): (n_photos, grid * grid, dim).
    Cached per (photo, grid, cell) like every other embedding; one batch of grid * grid images per photo."""
    keys = [[cache_key("occluded", photo.sha256, str(grid), str(k)) for k in range(grid * grid)] for photo in photos]
    missing = [i for i, row in enumerate(keys) if any(k not in cache for k in row)]
    if missing:
        log.info(f"  embed: {len(missing)} photos x {grid * grid} occluded copies to embed (the occlusion map)")
    with Progress(len(missing) * grid * grid, "occluded images", enabled=progress) as bar:
        for i in missing:
            start = time.perf_counter()
            vectors = clip.embed_occluded(photos[i].image, grid)       # (grid * grid, dim)
            seconds = (time.perf_counter() - start) / len(vectors)
            cache.put(keys[i], vectors, [seconds] * len(vectors))
            bar.update(len(vectors))
    return np.stack([[cache.get(k) for k in row] for row in keys])      # (n_photos, grid * grid, dim)


def template_prefix(template):
    """A template's words before {label}: the text every prompt of the template begins with."""
    return clean(template).split(PLACEHOLDER)[0]


def ensemble_prompt(template, label):
    """One prompt of CLIP's ensemble as the build embeds and caches it (and live mode measures it):
    the cleaned template filled with the cleaned label, cleaned again."""
    return clean(clean(template).replace(PLACEHOLDER, clean(label)))


class PromptPlan:
    """(n,) cleaned prompt strings -> (n, dim), computing only the misses.
    prefix: what every prompt begins with (its template's words before {label}), shared by the model."""

    def __init__(self, prompts, cache, prefix=None):
        self.prompts, self.prefix = prompts, prefix
        self.keys = [cache_key("text", p) for p in prompts]
        self.missing = [i for i, k in enumerate(self.keys) if k not in cache]
        self.texts_total, self.texts_missing = len(prompts), len(self.missing)

    def run(self, cache, clip, progress):
        if self.missing:
            prefixes = None if self.prefix is None else [self.prefix] * len(self.missing)
            vectors, seconds = clip.embed_texts([self.prompts[i] for i in self.missing], progress, prefixes)
            cache.put([self.keys[i] for i in self.missing], vectors, [seconds] * len(self.missing))
        return np.stack([cache.get(k) for k in self.keys])  # (n, dim)


class EnsemblePlan:
    """CLIP's prompt ensemble: per label, the normalised mean of its normalised template vectors.

    Cached per (whole template list, label): changing any of the templates recomputes the ensemble.
    """

    def __init__(self, templates, labels, cache):
        self.templates, self.labels = list(templates), list(labels)
        joined = "\n".join(clean(t) for t in templates)
        self.keys = [cache_key("ensemble", joined, clean(label)) for label in labels]
        self.missing = [i for i, k in enumerate(self.keys) if k not in cache]
        self.texts_total = len(labels) * len(templates)
        self.texts_missing = len(self.missing) * len(templates)

    def run(self, cache, clip, progress):
        templates = self.templates
        per_chunk = max(1, ENSEMBLE_CHUNK // len(templates))  # labels per call: bounded memory, full batches
        for begin in range(0, len(self.missing), per_chunk):
            chunk = self.missing[begin:begin + per_chunk]
            prompts = [ensemble_prompt(template, self.labels[i]) for i in chunk for template in templates]
            prefixes = [template_prefix(template) for template in templates] * len(chunk)
            vectors, per_text = clip.embed_texts(prompts, progress, prefixes)     # (n_chunk * n_templates, dim)
            mean = vectors.reshape(len(chunk), len(templates), -1).mean(axis=1)   # (n_chunk, dim)
            cache.put([self.keys[i] for i in chunk], normalise(mean), [per_text * len(templates)] * len(chunk))
        return np.stack([cache.get(k) for k in self.keys])  # (n_labels, dim)


def cache_namespace(model_files):
    """The cache folder's name: the weights' fingerprint plus the tokenizer and preprocessing files."""
    digest = hashlib.sha256(model_files.fingerprint.encode())
    for name in ("tokenizer.json", "vocab.json", "merges.txt", "preprocessor_config.json"):
        path = model_files.folder / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]
