"""The build, top to bottom: content and photos in, site/ out. Each step is one module's job."""
import json
import time
from dataclasses import dataclass
from pathlib import Path

from .charts import make_charts
from .check import check_prose_links
from .compute import compute, compute_figures
from .content import read_content
from .data import make_snapshot, place_label_files, write_data
from .embed import Clip, embed
from .live import make_live, snapshot_live, write_live
from .model import resolve_model
from .modelinput import write_model_inputs
from .notices import write_notices
from .preview import write_preview
from .render import make_environment, page_context, render_page
from .tokens import token_table
from .write import ROOT, check_assets, copy_assets, staging, write_photos


@dataclass
class BuildReport:
    model: object     # ModelFiles: name, folder, fingerprint, shape
    stats: dict       # what reached the model: forward_passes, texts_embedded, images_embedded


def build(model, out, content_dir=ROOT / "content", photos_dir=ROOT / "photos", templates_dir=ROOT / "templates",
          cache_dir=ROOT / ".cache", node_modules=ROOT / "node_modules", clip=None, log=print, device="auto",
          progress=False, drafts=False, live=True):
    """Build the site into out. Raises BuildError (naming file and line) on bad input.
    device: where the model runs ('auto', 'cpu', 'cuda'); progress: a progress bar while embedding;
    drafts: include the sections marked `draft: true` (make serve does); live: export the towers for
    live mode (also subject to settings.yaml's `live: enabled`)."""
    cache_dir = Path(cache_dir)
    done = step_logger(log)
    content = read_content(content_dir, photos_dir, drafts)                # read and check every input
    check_assets(templates_dir)                                             # no symlink out, no FIFO
    for warning in content.warnings:
        log(f"warning: {warning}")
    done("read")
    model_files = resolve_model(model, cache_dir)                           # find the checkpoint, its sizes
    done("model")
    clip = clip or Clip(model_files.folder, device)                         # loads weights only if it embeds
    embeddings = embed(content, model_files, cache_dir, clip=clip,          # vectors, from the cache or CLIP
                       device=device, log=log, progress=progress)
    done("embed")
    live_files = make_live(content, model_files, embeddings, cache_dir, node_modules, log) if live else None  # ONNX towers
    done("live")
    default = default_view(content)
    numbers = compute(content, embeddings)                                  # similarities, softmax, entropy
    figures = compute_figures(content, numbers, default, cache_dir)         # modality gap, label crowding
    tokens = token_table(content, model_files, cache_dir)                   # BPE pieces of every label
    done("compute")
    charts = make_charts(content, numbers, default, cache_dir, figures.gap, figures.crowding_example)
    done("charts")
    with staging(out) as site:                                              # replaces out only on success
        photo_files = write_photos(site / "photos", content.photos, cache_dir)
        snapshot = make_snapshot(content, model_files, embeddings, numbers, figures, tokens, charts, photo_files,
                                 default, snapshot_live(live_files))
        label_files = write_data(site, content, numbers, figures, tokens, snapshot, cache_dir)
        done("data")
        seen_stats = write_model_inputs(site / "seen", content.photos, clip, cache_dir)  # what the image encoder receives
        (site / "seen" / "stats.json").write_text(json.dumps(seen_stats), encoding="utf-8")
        context = page_context(content, numbers, figures, charts, snapshot, default, seen_stats)
        html = render_page(make_environment(templates_dir), content, context)
        (site / "index.html").write_text(html, encoding="utf-8")
        done("render")
        write_charts(site, charts)
        write_preview(site, charts, content.settings, model_files.stand_in)  # the shared link's card image
        copy_assets(Path(templates_dir), site, Path(node_modules), live=live_files is not None)
        if live_files:
            write_live(site, live_files)
        write_notices(site, Path(node_modules))                             # licences of what was vendored
        check_prose_links(site, content.sections)
        place_label_files(site, out, label_files, cache_dir)                # last: takes the old site's folder
        done("write")
    return BuildReport(model_files, embeddings.stats)


def step_logger(log):
    """done(name) logs the seconds since the previous step ended."""
    clock = time.perf_counter()

    def done(name):
        nonlocal clock
        now = time.perf_counter()
        log(f"  {name:<8} {now - clock:6.2f} s")
        clock = now
    return done


def default_view(content):
    """The view a reader first sees: the default photo and template, by id and by index."""
    return dict(photo=content.settings["default_photo"], template=content.settings["default_template"],
                photo_index=[p.id for p in content.photos].index(content.settings["default_photo"]),
                template_index=[t.id for t in content.templates].index(content.settings["default_template"]))


def write_charts(site, charts):
    """Each chart's static SVG (the default view) for readers without JavaScript, and until a chart is drawn;
    <name>-narrow.svg where a narrow screen lays the chart out otherwise."""
    (site / "charts").mkdir(exist_ok=True)
    for chart in charts.values():
        (site / "charts" / f"{chart.name}.svg").write_text(chart.svg, encoding="utf-8")
        if chart.narrow_svg:
            (site / "charts" / f"{chart.name}-narrow.svg").write_text(chart.narrow_svg, encoding="utf-8")
