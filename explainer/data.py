"""Every file the page reads, built in one place. The page only reads these; it never computes them.

Vectors are base64 of little-endian float16 ("float16 little-endian, base64"); dim is the checkpoint's
projection dimension (512 for ViT-B/32, 768 for ViT-L/14), T the number of templates (the ensemble
included), P photos, L default labels, V vocabulary labels, n_tau temperatures.

Inline in index.html, `<script type="application/json" id="snapshot">` (the first view; make_snapshot):
    model        {name, fingerprint, stand_in, dim, context_length, image_size, patch_size, logit_scale,
                  build_time}: name is a hub id, a local folder's own name or "stand-in"
    photos       [{id, title, alt, credit, licence, source, embed_ms, src, srcset, thumb, width, height}]  (P,)
    templates    [{id, text, ensemble, short}]  (T,), in the selector's order: every "per template" below uses it;
                 short: the column name on a narrow screen's template heatmap
    ensemble_size, temperatures (n_tau,), default {photo, template, labels (L,), tau_index}
    limits       {link_labels, label_length}: the page's limits, said once here (ui/snapshot.js reads them)
    vectors      {encoding, image: (P, dim), text: {template id: (L, dim)}}
    vocabulary   {count: V, names: "data/label-names.json", label_file: "data/labels/{hash}.json",
                  hash: "sha256-16"}
    tokens       {context_length, special: [start, end], templates: {id: {before, after}},
                  labels: {label: ids}, exceptions: {template id: {label: full ids}}, pieces: {id: text}}
    crowding_size (near-synonyms per label), gap {template, mean (dim,), components (2, dim), cloud_size},
    figures      "data/figures.json"; charts {name: Vega spec, its "values" empty}
    occlusion    {file: "data/occlusion.json", grid: image_size / patch_size (7 for ViT-B/32)}
    live         null when the build skipped live mode, else {manifest: "live/manifest.json", text_bytes,
                  vision_bytes (gzip bytes to fetch for texts, then for photos), variants {text, vision},
                  parity {text, vision, both: {max_cosine_error, top1_agreement}}, bound,
                  files [{sha256, bytes, part}] (looked up in Cache Storage)}: live.snapshot_live;
                  site/live/ itself is written by live.write_live (its docstring lists the files)
    models       [{id, name, dim, patch_size, image_size, grid, parameters {vision, text, total}, embed_ms, source,
                  licence, file, root, ...}]: every model the site carries, the default first; a further model's
                  data is under models/<id>/ (explainer/modelset.py, which adds this list)

Beside the page, in data/ (write_data):
    embeddings.json         the snapshot's model, photos, templates, default, temperatures and vectors
    label-names.json        [label, ...]  (V,) the vocabulary's names only, for type-ahead
    labels/<hash>.json      one per vocabulary label, <hash> = label_hash(label) (label_file_name); kept in
                            the cache's store by their inputs and moved or linked into place at the end:
                            {label, vectors: (T, dim), tokens: [ids of the label alone, no start/end],
                             pieces: {id: text} for those ids and the exceptions' ids,
                             exceptions: {template id: [full ids]} (only where the label has one),
                             neighbours: {template id: [[name, [cosine to each photo, 4 decimals] (P,)], ...]}
                                         nearest first, crowding_size of them}
    figures.json            {crowding: {template id: {default label: neighbours as above}},
                             cloud_names (n_cloud,), cloud_points (n_cloud, 2)}: fetched near the last figures
    occlusion.json          {grid, photos: {photo id: (grid * grid, dim)}}: each photo embedded with one cell of
                            the patch grid hidden (row by row, row 0 at the top of the image_size square),
                            float16 base64; fetched when the occlusion map comes near (write_occlusion)
    grid.json               {photos, templates, labels, temperatures, similarities (P, T, L),
                             probabilities (P, T, n_tau, L), entropy (P, T, n_tau)}: the build's own numbers
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .cache import write_atomic
from .compute import NEIGHBOURS, encode_vectors
from .errors import BuildError
from .live import snapshot_live
from .settings import PAGE_LABEL_LENGTH
from .tokens import snapshot_tokens
from .write import write_json

VECTOR_ENCODING = "float16 little-endian, base64"
LABEL_FILE = "data/labels/{hash}.json"
LABEL_HASH = "sha256-16"  # the first 16 hex digits of sha256 of the label's UTF-8 bytes
LABEL_NAMES = "data/label-names.json"
OCCLUSION_FILE = "data/occlusion.json"
PROJECT_ROOT = Path(__file__).resolve().parent.parent  # where `git log` finds the last commit
LABEL_FILE_FORMAT = 1  # bump when a label file's contents change for the same inputs (invalidates the store)


def label_hash(label):
    """The first 16 hex digits of sha256 of the label's UTF-8 bytes: a safe file name for any label."""
    return hashlib.sha256(label.encode("utf-8")).hexdigest()[:16]


def label_file_name(label):
    """The label's own file, relative to the site's root: data/labels/<hash>.json."""
    return LABEL_FILE.replace("{hash}", label_hash(label))


def build_time():
    """The date shown on the page, as a UTC date: SOURCE_DATE_EPOCH when set (reproducible builds, as
    `make build` sets it), else the last commit's date, as make would take it, so `python build.py` and
    `make build` write the same bytes; a checkout without git falls back to now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or last_commit_epoch()
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.strftime("%Y-%m-%d")


def last_commit_epoch():
    """`git log -1 --format=%ct` in the project's folder (the same command as the Makefile), or None."""
    try:
        done = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip().isdigit() else None


def make_snapshot(results, photo_files):
    """What the page reads at start (inline JSON): small, and everything the first view needs.
    results: pipeline.Results, what the steps made; photo_files: write.write_photos's {id: files}."""
    content, model_files, default, numbers = results.content, results.model, results.view, results.numbers
    shape = model_files.shape
    gap = results.figures.gap
    return {
        "model": dict(name=model_files.name, fingerprint=model_files.fingerprint, stand_in=model_files.stand_in,
                      dim=shape.dim, context_length=shape.context_length, image_size=shape.image_size,
                      patch_size=shape.patch_size, logit_scale=round(model_files.logit_scale, 6),
                      build_time=build_time()),
        "photos": [dict(id=p.id, title=p.title, alt=p.alt, credit=p.credit, licence=p.licence, source=p.source,
                        embed_ms=round(float(s) * 1000, 1), **photo_files[p.id])
                   for p, s in zip(content.photos, results.embeddings.image_seconds, strict=True)],
        "templates": [dict(id=t.id, text=t.text, ensemble=t.ensemble, short=t.short) for t in content.templates],
        "ensemble_size": len(content.ensemble_templates),
        "temperatures": content.temperatures.tolist(),
        # labels read from a link; the characters of a label the page accepts (typed, in a link)
        "limits": dict(link_labels=content.settings["limits"]["link_labels"], label_length=PAGE_LABEL_LENGTH),
        "default": dict(photo=default.photo, template=default.template, labels=content.default_labels,
                        tau_index=content.default_tau_index),
        "vectors": {
            "encoding": VECTOR_ENCODING,
            "image": encode_vectors(numbers.image),  # (n_photos, dim)
            "text": {t.id: encode_vectors(numbers.text[i, numbers.label_index])  # (n_labels, dim) each
                     for i, t in enumerate(content.templates)},
        },
        "vocabulary": dict(count=len(content.vocabulary), names=LABEL_NAMES, label_file=LABEL_FILE, hash=LABEL_HASH),
        "tokens": snapshot_tokens(results.tokens, content, shape.context_length),
        "crowding_size": NEIGHBOURS,
        "gap": dict(template=gap.template, mean=encode_vectors(gap.mean),  # (dim,)
                    components=encode_vectors(gap.components), cloud_size=len(gap.cloud_names)),  # (2, dim)
        "figures": "data/figures.json",
        "occlusion": dict(file=OCCLUSION_FILE, grid=shape.patches_per_side),
        "charts": {name: chart.vega for name, chart in results.charts.items()},
        "live": snapshot_live(results.live),
    }


def write_data(site, content, numbers, figures, tokens, snapshot, cache, keep=frozenset()):
    """Every file of data/ listed in this module's docstring, except the per-label files: those are made
    (or found) in the cache here, and their {site name: stored name} returned for place_label_files.
    keep: stored names this build still places (another model's label files), never pruned here."""
    data = site / "data"
    write_json(data / "embeddings.json", {k: snapshot[k] for k in ("model", "photos", "templates", "default",
                                                                     "temperatures", "vectors")})
    write_json(data / "label-names.json", content.vocabulary)  # (V,)
    label_files = store_label_files(content, numbers, figures, tokens, cache, keep)
    # below the fold: fetched when the reader scrolls near those figures, not with the first view
    write_json(data / "figures.json", {"crowding": figures.crowding, "cloud_names": figures.gap.cloud_names,
                                       "cloud_points": encode_vectors(figures.gap.cloud_points)})  # (n_cloud, 2)
    write_json(data / "grid.json", {
        "photos": [p.id for p in content.photos], "templates": [t.id for t in content.templates],
        "labels": content.default_labels, "temperatures": snapshot["temperatures"],
        "similarities": np.round(numbers.similarities, 7).tolist(),    # (P, T, L)
        "probabilities": np.round(numbers.probabilities, 7).tolist(),  # (P, T, n_tau, L)
        "entropy": np.round(numbers.entropy, 7).tolist(),              # (P, T, n_tau)
    })
    return label_files


def write_occlusion(site, content, occluded, grid):
    """data/occlusion.json: the occlusion map's vectors, occluded (P, grid * grid, dim), as float16."""
    write_json(site / OCCLUSION_FILE, {"grid": grid, "photos": {p.id: encode_vectors(occluded[i])
                                                                 for i, p in enumerate(content.photos)}})


def store_label_files(content, numbers, figures, tokens, cache, keep=frozenset()):
    """Every vocabulary label's file (data/labels/<hash>.json: what the page needs when a reader adds it),
    kept in the cache's label-files/ under a digest of everything it holds (the label, its vectors, tokens,
    and its neighbours' names and vectors): a rebuild encodes only the labels whose file changed.
    Returns {file name in data/labels: file name in the store}; place_label_files puts them in the site."""
    store = cache.path("label-files")
    store.mkdir(parents=True, exist_ok=True)
    neighbours = figures.neighbours
    n_templates = len(content.templates)
    by_label = np.ascontiguousarray(numbers.text.transpose(1, 0, 2), dtype="<f2")   # (V, T, dim)
    name_digests = np.frombuffer(b"".join(hashlib.blake2b(label.encode("utf-8"), digest_size=8).digest()
                                          for label in content.vocabulary), dtype="<u8")  # (V,)
    near = neighbours.index.transpose(1, 0, 2)                                      # (V, T, k) rows
    near_identity = np.stack([name_digests[near],                                   # (V, T, k, 2)
                              neighbours.digests[np.arange(n_templates)[None, :, None], near]], axis=-1)
    vector_digests = np.ascontiguousarray(neighbours.digests.T)                     # (V, T)
    common = hashlib.sha256(json.dumps([LABEL_FILE_FORMAT, [t.id for t in content.templates]]).encode()
                            + np.ascontiguousarray(numbers.image).tobytes()).digest()  # 32 bytes
    template_ids = [t.id for t in content.templates]
    pieces = tokens["pieces"]
    files, stored_keys = {}, set(os.listdir(store))
    for i, label in enumerate(content.vocabulary):
        name = f"{label_hash(label)}.json"
        if name in files:  # 2^-64 per pair: never expected, but a silent overwrite would be wrong
            other = next(v for v in content.vocabulary if f"{label_hash(v)}.json" == name)
            raise BuildError(f"labels {other!r} and {label!r} share the file name {name}; rename one",
                             "content/vocabulary.txt")
        ids = tokens["labels"][i]
        own = {t: e[str(i)] for t, e in tokens["exceptions"].items() if str(i) in e}
        used = sorted(set(ids).union(*own.values()))
        own_pieces = {str(j): pieces[str(j)] for j in used}
        key = hashlib.sha256(common + repr((label, ids, own, own_pieces)).encode()
                             + vector_digests[i].tobytes() + near_identity[i].tobytes()).hexdigest()[:32]
        files[name] = f"{key}.json"
        if files[name] not in stored_keys:
            record = {
                "label": label,
                "vectors": base64.b64encode(by_label[i].tobytes()).decode("ascii"),  # (T, dim)
                "tokens": ids,
                "pieces": own_pieces,
                "exceptions": own,
                "neighbours": {t: neighbours.rows(content.vocabulary, n, i) for n, t in enumerate(template_ids)},
            }
            write_atomic(store / files[name], json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    used_keys = set(files.values()) | set(keep)
    # keep the store from growing forever; a further model's shorter vocabulary (settings.yaml's `vocabulary: N`)
    # bounds it by the models' before it (keep), so it does not prune the files a model after it will place
    if len(stored_keys | used_keys) > 3 * max(len(content.vocabulary), len(keep)) + len(keep):
        for unused in stored_keys - used_keys:
            (store / unused).unlink(missing_ok=True)
    return files


def place_label_files(site, files, cache):
    """Put the stored label files into site/data/labels, each hard-linked from the store (or copied).

    A link costs no bytes and no read (about 0.1 s for 6,000 files), and the old site keeps its own
    data/labels until the one-step swap (write.staging): a build killed at any moment leaves the old
    site or the new one, whole."""
    store = cache.path("label-files")
    folder = site / "data" / "labels"
    folder.mkdir(parents=True, exist_ok=True)
    for name, key in files.items():
        try:
            os.link(store / key, folder / name)
        except OSError:  # another file system, or no hard links: a copy does the same
            shutil.copyfile(store / key, folder / name)
