"""Item 5, the embed step's speed: batching by length on the stand-in (smoke and full), and on a full-size
model (ViT-B/32's shapes, random weights) every lever on the build's texts side by side: today's path
(plain forward, batches of 256 padded per batch), the shared template prefix (explainer/sharedprefix.py),
torch's threads and batch sizes, and onnxruntime on the CPU with live mode's fp32 text export. The parity is
taken on 2,064 texts (24 labels under every template); the speeds in pairs, each lever right after today's
path on the same 516 texts, so that a busy machine slows both alike; a ratio is the median of its pairs'.
Then the image rate and the extrapolated cold build."""
import os
import statistics
import time

import numpy as np

from .common import ROOT, Budget

FULL_SIZE = ROOT / ".cache" / "models" / "full-size-random"
COSINE_BOUND = 1e-5  # largest |1 - cosine| between a lever's vectors and today's


def full_size_checkpoint(folder=FULL_SIZE):
    """CLIPConfig() defaults (ViT-B/32's shapes) with random weights, CLIP's tokenizer and preprocessing."""
    if (folder / "model.safetensors").exists():
        return folder
    import torch
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel, CLIPTokenizer

    from explainer.standin import write_clip_tokenizer_files
    folder.mkdir(parents=True, exist_ok=True)
    write_clip_tokenizer_files(folder)
    torch.manual_seed(0)
    CLIPModel(CLIPConfig()).eval().save_pretrained(folder)
    CLIPTokenizer.from_pretrained(folder).save_pretrained(folder)
    CLIPImageProcessorPil().save_pretrained(folder)
    return folder


def stand_in_rows(table, content, cache):
    from explainer.model import STAND_IN, resolve_model
    ratio = batching_ratio(resolve_model(STAND_IN, cache).folder, content.vocabulary)
    table.add("5. batched / one at a time (stand-in)", f"{ratio:.1f}x", Budget(">=", 3, "x"), ratio,
              "median of 3 turns, both measured side by side")


def full_size_rows(table, content, rounds=3, n_labels=24):
    """The levers on n_labels labels under every template (plain and ensemble: 86 x 24 = 2,064 texts)."""
    folder = full_size_checkpoint()
    texts, prefixes = build_texts(content, n_labels)
    levers = Levers(folder, texts, prefixes)
    rates, ratios, errors = levers.measure(rounds)
    today = statistics.median(rates["today"])
    table.add("5. text embedding, today's path (full-size)", f"{today:.0f} texts/s", "", None,
              f"plain forward, batches of 256 by length, {os.cpu_count()} threads; median of its runs paired "
              f"with each lever ({rounds} per lever) on {len(texts[::max(1, len(texts) // 516)]):,} texts")
    exact = [name for name in errors if errors[name] <= COSINE_BOUND]  # levers that hold the parity
    best = max(exact, key=lambda name: statistics.median(ratios[name]))
    for name, (description, _) in levers.variants.items():
        if name == "today":
            continue
        ratio, error = statistics.median(ratios[name]), errors[name]
        table.add(f"5. lever: {name}", f"{statistics.median(rates[name]):.0f} texts/s", "", None,
                  f"{ratio:.2f}x today's (pairs: {', '.join(f'{r:.2f}' for r in ratios[name])}); "
                  f"max |1 - cosine| vs today {error:.1e}; {description}")
    kept = levers.variants["kept"][0]
    ratio = statistics.median(ratios["kept"])
    table.add("5. embed speed-up kept / today's path (full-size)", f"{ratio:.2f}x", Budget(">=", 3, "x"), ratio,
              f"{kept}; the fastest lever measured: {best}")
    table.add("5. parity of the kept path (full-size)", f"{errors['kept']:.1e}", Budget("<=", COSINE_BOUND),
              errors["kept"], f"largest |1 - cosine| against today's path over {len(texts):,} texts: "
              f"{n_labels} labels under every template")
    clip = levers.clip("kept")
    naive = naive_rate(clip, texts[:48])
    table.add("5. text embedding, naive (1 per pass, padded to 77)", f"{naive:.1f} texts/s", "", None, "")
    table.add("5. today's path / naive", f"{today / naive:.1f}x", Budget(">=", 5, "x"), today / naive,
              "batching by length (both measured on the full-size model)")
    images = image_rate(clip)
    table.add("5. image embedding (full-size)", f"{images:.1f} images/s", "", None, "one photo per pass")
    cuda_rows(table, folder, texts, prefixes)
    n_texts = full_grid_texts(content)
    for name, rate in (("today's path", today), ("kept path", statistics.median(rates["kept"]))):
        estimate = n_texts / rate + len(content.photos) / images
        table.add(f"5. full build, extrapolated (full-size, cold cache, {name})", f"{estimate / 60:.0f} min", "",
                  None, f"{n_texts:,} texts at {rate:.0f} texts/s + {len(content.photos)} photos at "
                  f"{images:.1f} images/s")
    return rates


def build_texts(content, n_labels):
    """n_labels labels spread over the vocabulary under every template: (prompts, each one's prefix),
    exactly as the embed step makes them."""
    from explainer.embed import ensemble_prompt, template_prefix
    from explainer.textclean import clean
    labels = content.vocabulary[::max(1, len(content.vocabulary) // n_labels)][:n_labels]
    texts, prefixes = [], []
    for template in content.templates:
        for text in content.ensemble_templates if template.ensemble else [template.text]:
            for label in labels:
                texts.append(ensemble_prompt(text, label) if template.ensemble
                             else clean(text.replace("{label}", label)))  # as embed() fills a plain template
                prefixes.append(template_prefix(text))
    return texts, prefixes


class Levers:
    """Each variant of the text embedding, run on the same texts; 'kept' is what embed.Clip does now."""

    def __init__(self, folder, texts, prefixes):
        from explainer.embed import SHARED_BATCH, TEXT_BATCH
        self.folder, self.texts, self.prefixes = folder, texts, prefixes
        cores = os.cpu_count()
        self.variants = {  # name: (description, run() -> (n, dim) unit vectors)
            "today": ("", lambda: self.torch_run(False, TEXT_BATCH, cores)),
            "kept": (f"shared prefix, batches of {SHARED_BATCH}, {cores} threads (explainer/embed.py's defaults)",
                     lambda: self.torch_run(True, SHARED_BATCH, cores)),
            "shared prefix, 1 thread": ("threads chosen by measurement: 1 against the cores",
                                        lambda: self.torch_run(True, SHARED_BATCH, 1)),
            "shared prefix, batches of 256": ("batch size chosen by measurement",
                                              lambda: self.torch_run(True, 256, cores)),
            "onnxruntime fp32, all optimisations": ("live mode's text-fp32.onnx, intra-op threads = cores, "
                                                    "batches of 256 by length; no prefix sharing",
                                                    lambda: self.ort_run("all", cores)),
            "onnxruntime fp32, basic optimisations": ("", lambda: self.ort_run("basic", cores)),
        }
        self._clips, self._sessions = {}, {}

    def clip(self, name):
        from explainer.embed import Clip
        if name not in self._clips:
            self._clips[name] = Clip(self.folder, "cpu")
            self._clips[name].embed_texts(self.texts[:32])  # loads the model, warms up
        return self._clips[name]

    def torch_run(self, share, batch, threads):
        import torch
        clip = self.clip("kept")
        from explainer.embed import SHARED_BATCH, TEXT_BATCH
        clip.share_prefixes = share
        clip.batch, clip.shared_batch = (TEXT_BATCH, batch) if share else (batch, SHARED_BATCH)
        torch.set_num_threads(threads)
        try:
            return clip.embed_texts(self.texts, prefixes=self.prefixes)[0]
        finally:
            torch.set_num_threads(os.cpu_count())

    def ort_run(self, level, threads):
        from explainer.live import run_text, tokenizer_for
        from explainer.model import resolve_model
        key = (level, threads)
        if key not in self._sessions:
            import onnxruntime as ort
            path = self.text_onnx()
            options = ort.SessionOptions()
            options.log_severity_level = 3
            options.intra_op_num_threads = threads
            options.graph_optimization_level = {"basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
                                                "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}[level]
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            self._sessions[key] = (session, tokenizer_for(resolve_model(str(self.folder), ROOT / ".cache")))
        session, tokenizer = self._sessions[key]
        order = np.argsort([len(t) for t in self.texts], kind="stable")  # similar lengths share a batch
        vectors = run_text(session, tokenizer, [self.texts[i] for i in order])
        out = np.empty_like(vectors)
        out[order] = vectors
        return out

    def text_onnx(self):
        """Live mode's fp32 export of the text tower, made once per checkpoint (next to the bench's model)."""
        path = self.folder.parent / f"{self.folder.name}-onnx" / "text-fp32.onnx"
        if not path.exists():
            from transformers import CLIPModel

            from explainer.live import export_text, quiet
            path.parent.mkdir(parents=True, exist_ok=True)
            with quiet():
                export_text(CLIPModel.from_pretrained(self.folder).eval(), 77, path)
        return path

    def measure(self, rounds, turn_texts=516):
        """Parity first: today's path and the kept one on every text. Then speed in pairs, each lever right after
        a run of today's path on the same turn_texts texts (every template), rounds times, so that both see the
        same load. ({name: [texts/s per pair]}, {name: [ratio to the paired today]}, {name: largest
        |1 - cosine| against today's vectors})."""
        rates = {name: [] for name in self.variants}
        ratios = {name: [] for name in self.variants}
        every = self.texts, self.prefixes
        _, reference = timed(self.variants["today"][1])
        errors = {"kept": cosine_error(timed(self.variants["kept"][1])[1], reference)}
        step = max(1, len(self.texts) // turn_texts)  # a spread subset: every template, fewer labels
        self.texts, self.prefixes = self.texts[::step], self.prefixes[::step]
        try:
            for turn in range(rounds):
                for name, (_, run) in self.variants.items():
                    if name == "today":
                        continue
                    seconds_today, _ = timed(self.variants["today"][1])
                    seconds, vectors = timed(run)
                    rates["today"].append(len(self.texts) / seconds_today)
                    rates[name].append(len(self.texts) / seconds)
                    ratios[name].append(seconds_today / seconds)
                    errors[name] = max(errors.get(name, 0), cosine_error(vectors, reference[::step]))
                    print(f"    5. pair {turn + 1}, {name}: {ratios[name][-1]:.2f}x today's ({rates[name][-1]:.0f} "
                          f"against {rates['today'][-1]:.0f} texts/s)", flush=True)
        finally:
            self.texts, self.prefixes = every
        return rates, ratios, errors


def cosine_error(vectors, reference):
    """Largest |1 - cosine| between rows of two (n, dim) arrays of unit vectors."""
    return float(np.abs(1 - (vectors * reference).sum(axis=1)).max())


def timed(run):
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def naive_rate(clip, texts):
    """One text per forward pass, padded to 77 tokens: texts/s."""
    import torch
    start = time.perf_counter()
    with torch.inference_mode():
        for text in texts:
            clip.model.get_text_features(**clip.tokenizer([text], padding="max_length", max_length=77,
                                                          return_tensors="pt"))
    return len(texts) / (time.perf_counter() - start)


def cuda_rows(table, folder, texts, prefixes):
    import torch
    if not torch.cuda.is_available():
        table.add("5. text embedding on CUDA", "n/a", "", None, "torch sees no CUDA device here")
        return
    from explainer.embed import Clip
    for share in (False, True):
        clip = Clip(folder, "cuda", share_prefixes=share)
        clip.embed_texts(texts[:64])
        seconds, _ = timed(lambda: clip.embed_texts(texts, prefixes=prefixes))
        table.add(f"5. text embedding on CUDA (full-size, {'shared prefix' if share else 'plain'})",
                  f"{len(texts) / seconds:.0f} texts/s", "", None, torch.cuda.get_device_name())


def image_rate(clip, n=8):
    from PIL import Image
    image = Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8))
    clip.embed_image(image)
    start = time.perf_counter()
    for _ in range(n):
        clip.embed_image(image)
    return n / (time.perf_counter() - start)


def batching_ratio(folder, vocabulary, rounds=3, n_texts=512, n_naive=32):
    """Texts per second batched by length against one text per pass padded to 77, measured in turns
    (batched, naive, batched, ...) so that a busy machine slows both alike: the median ratio."""
    import torch

    from explainer.embed import Clip
    clip = Clip(folder, "cpu")
    texts = [f"a photo of a {label}." for label in vocabulary[:n_texts]]
    clip.embed_texts(texts[:64])  # warm-up, and loads the model
    ratios = []
    for _ in range(rounds):
        start = time.perf_counter()
        clip.embed_texts(texts)
        batched = n_texts / (time.perf_counter() - start)
        start = time.perf_counter()
        with torch.inference_mode():
            for text in texts[:n_naive]:
                ids = clip.tokenizer([text], padding="max_length", max_length=77, return_tensors="pt")
                clip.model.get_text_features(**ids)
        naive = n_naive / (time.perf_counter() - start)
        ratios.append(batched / naive)
    return statistics.median(ratios)


def full_grid_texts(content):
    n_vocab = len(content.vocabulary)
    plain = sum(not t.ensemble for t in content.templates)
    return n_vocab * (plain + len(content.ensemble_templates))
