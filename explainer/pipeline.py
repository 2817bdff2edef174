"""The build, top to bottom: content and photos in, site/ out. Each step is one module's job.

build(ctx) reads what it needs from the BuildContext (explainer/context.py: paths, the cache, settings, device,
flags); every cached step keeps its entries through ctx.cache (explainer/cache.py); each step logs its lines
with `logging` (the caller decides where they go).
"""
import json
import logging
import time
from dataclasses import dataclass

from .attack import attack_first_paint, make_attack, write_attack
from .charts import default_rows, make_charts
from .check import check_prose_links
from .compute import compute, compute_figures
from .content import read_content
from .context import BuildContext, lines_to
from .data import make_snapshot, place_label_files, write_data, write_occlusion
from .deepdive import deep_dive_context, write_deep_dive
from .embed import Clip, embed
from .live import make_live, write_live
from .model import DEFAULT_MODEL, resolve_model
from .modelinput import write_model_inputs
from .modelset import model_entry, model_keys, models_first_paint, site_models, write_further_model
from .myths import bias_probe, myths_first_paint
from .notices import write_notices
from .pagecontext import page_context
from .preview import write_preview
from .render import make_environment, render_site
from .tokens import token_table
from .towers import compute_towers, snapshot_towers, towers_first_paint, write_towers
from .views import Views
from .write import check_assets, check_out, copy_assets, pause_at, staging, write_photos

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    model: object     # ModelFiles: name, folder, fingerprint, shape
    stats: dict       # what reached the models (all of them, summed): forward_passes, texts_embedded, images_embedded


@dataclass
class View:
    """The view a reader first sees: the default photo and template by id, and (p, t, k) into the arrays."""
    photo: str
    template: str
    photo_index: int
    template_index: int
    tau_index: int    # the default temperature

    @property
    def index(self):
        return self.photo_index, self.template_index, self.tau_index


@dataclass
class Results:
    """What the steps made, in order; the snapshot is made from it."""
    content: object     # content.Content: every input, read and checked
    model: object       # model.ModelFiles
    view: View
    embeddings: object  # embed.Embeddings
    numbers: object     # compute.Numbers
    figures: object     # compute.Figures
    tokens: dict        # tokens.token_table
    charts: dict        # {name: charts.Chart}
    live: object        # live.Live, or None without live mode


def build(model, out, log=None, **options):
    """Build the site into out (see build_site); options: BuildContext's fields (content_dir, photos_dir,
    templates_dir, cache_dir, node_modules, device, progress, drafts, live, clip). log: a function given each
    line of the build log, if the caller wants them (else they go where `logging` is configured to send them)."""
    with lines_to(log):
        return build_site(BuildContext(model, out, **options))


def build_site(ctx):
    """Build the site into ctx.out. Raises BuildError (naming file and line) on bad input."""
    done = step_logger()
    check_out(ctx.out, ctx.inputs())                                        # never replace what is not a site
    content = read_content(ctx.content_dir, ctx.photos_dir, ctx.drafts)     # read and check every input
    check_assets(ctx.templates_dir)                                         # no symlink out, no FIFO
    for warning in content.warnings:
        log.warning(warning)
    done("read")
    chosen = [ctx.model, *ctx.more_models] if ctx.model else []             # --model's values; none: settings'
    names = site_models(chosen, content.settings, DEFAULT_MODEL)
    pins = content.settings.get("model_pins") or {}                         # settings.yaml's revision, sha256
    model_files = resolve_model(names[0], ctx.cache, pins.get(names[0]))    # find the checkpoint, its sizes
    further = [resolve_model(name, ctx.cache, pins.get(name)) for name in names[1:]]  # each fails by its name
    done("model")
    clip = ctx.clip or Clip(model_files.folder, ctx.device)                 # loads weights only if it embeds
    embeddings = embed(content, model_files, ctx.cache, clip=clip,          # vectors, from the cache or CLIP
                       device=ctx.device, progress=ctx.progress)
    done("embed")
    attack = make_attack(content, model_files, ctx.cache, clip, ctx.progress)  # stamped photos, embedded (cached)
    done("attack")
    live_files = make_live(content, model_files, embeddings, ctx.cache, ctx.node_modules) if ctx.live else None
    done("live")                                                            # ^ ONNX towers
    view = default_view(content)
    numbers = compute(content, embeddings)                                  # similarities, softmax, entropy
    figures = compute_figures(content, numbers, view, ctx.cache)            # modality gap, label crowding
    tokens = token_table(content, model_files, ctx.cache)                   # BPE pieces of every label
    bias = bias_probe(content, numbers, model_files, ctx.cache, clip)       # content/bias.yaml's sets, scored
    done("compute")
    towers = compute_towers(content, model_files, ctx.cache, clip, ctx.device)  # attention and lens, cached
    done("towers")
    with Views(ctx.templates_dir / "assets") as views:                       # the page's view modules, in Node
        first_paint = default_rows(content, numbers, view, figures, views)     # the default view's rows
        charts = make_charts(first_paint["rows"], first_paint["short_names"], ctx.cache, views)  # Altair, vl-convert
        done("charts")
        results = Results(content, model_files, view, embeddings, numbers, figures, tokens, charts, live_files)
        with staging(ctx.out) as site:                                      # replaces out only on success
            photo_files = write_photos(site / "photos", content.photos, ctx.cache)
            snapshot = make_snapshot(results, photo_files)
            snapshot["towers"] = snapshot_towers(towers)                    # sizes; the data: data/towers/
            snapshot["attack"] = attack.snapshot()                          # the lab's words and placements
            label_files = write_data(site, content, numbers, figures, tokens, snapshot, ctx.cache)
            write_occlusion(site, content, embeddings.occluded, model_files.shape.patches_per_side)
            write_towers(site, towers, [p.id for p in content.photos], numbers.image)
            write_deep_dive(site, content, numbers, embeddings)             # the deep dive's data
            done("data")
            placed = set(label_files.values())                              # the model loop: the same stages
            others = [write_further_model(site, ctx, content, files, view, photo_files, placed,  # per further
                                          model_keys(chosen, content.settings, name).get("vocabulary"))
                      for name, files in zip(names[1:], further, strict=True)]                  # model: models/<slug>/
            snapshot["models"] = [model_entry(model_files, embeddings, vocabulary=len(content.vocabulary))]
            snapshot["models"] += [other.entry for other in others]
            done("models")
            seen_stats = write_model_inputs(site / "seen", content.photos, clip, ctx.cache)  # what the encoder sees
            (site / "seen" / "stats.json").write_text(json.dumps(seen_stats), encoding="utf-8")
            context = page_context(content, numbers, figures, charts, snapshot, view, seen_stats, first_paint, views,
                                   embeddings.occluded)
            context["towers"] = towers_first_paint(content, numbers, towers, view, views,  # the deep dive's first paint
                                                   snapshot["tokens"]["pieces"])
            context |= deep_dive_context(content, numbers, embeddings, snapshot, view, views)
            context["attack"] = attack_first_paint(attack, content, numbers, view, views)
            context["myths"] = myths_first_paint(content, numbers, tokens, view, bias, views)
            context["models"] = models_first_paint(snapshot["models"], content, numbers, others, view, views)
            write_attack(site, attack)                                      # data/attack/, attack/*.jpg
            pages = render_site(make_environment(ctx.templates_dir), content, context)  # {file: HTML}
            for file, html in pages.items():                                # index.html, <page>.html, ...
                (site / file).write_text(html, encoding="utf-8")
            done("render")
            write_charts(site, charts)
            write_preview(site, charts, content.settings, model_files.stand_in)  # the shared link's card image
            copy_assets(ctx.templates_dir, site, ctx.node_modules, live=live_files is not None)
            if live_files:
                write_live(site, live_files)
            write_notices(site, ctx.node_modules)                           # licences of what was vendored
            check_prose_links(site, content.sections, list(pages))
            pause_at("labels")                                              # tests: a kill here (test_hostile_build)
            place_label_files(site, label_files, ctx.cache)                 # 6,000 hard links
            done("write")
    log.info(f"  (views   {views.seconds:6.2f} s: {views.calls} calls in {views.batches} batches to Node)")
    stats = {key: value + sum(other.stats[key] for other in others) for key, value in embeddings.stats.items()}
    return BuildReport(model_files, stats)                                  # every model's calls, summed


def step_logger():
    """done(name) logs the seconds since the previous step ended."""
    clock = time.perf_counter()

    def done(name):
        nonlocal clock
        now = time.perf_counter()
        log.info(f"  {name:<8} {now - clock:6.2f} s")
        clock = now
    return done


def default_view(content):
    """The view a reader first sees: the default photo, template and temperature."""
    photo, template = content.settings["default_photo"], content.settings["default_template"]
    return View(photo, template, [p.id for p in content.photos].index(photo),
                [t.id for t in content.templates].index(template), content.default_tau_index)


def write_charts(site, charts):
    """Each chart's static SVG (the default view) for readers without JavaScript, and until a chart is drawn;
    <name>-narrow.svg where a narrow screen lays the chart out otherwise."""
    (site / "charts").mkdir(exist_ok=True)
    for chart in charts.values():
        (site / "charts" / f"{chart.name}.svg").write_text(chart.svg, encoding="utf-8")
        if chart.narrow_svg:
            (site / "charts" / f"{chart.name}-narrow.svg").write_text(chart.narrow_svg, encoding="utf-8")
