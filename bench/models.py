"""Item 15, the model choice (issue 36): a second model's download (what the page fetches when the reader chooses it:
models/<id>/data/model.json, raw and gzip; the label files of vocabulary labels on screen come on top, one each), that
the first view asks nothing under models/, and the switch time: the select changed to the label rows showing the
new model's numbers and the next frame, with the model's data already in the page (chosen once: switching back and
forth), unthrottled and at 4x CPU (CDP Emulation.setCPUThrottlingRate); and the first switch with the files in the
browser's HTTP cache (fetched from it, parsed and decoded), for reference.

On a site built with the stand-in and "stand-in-l14" (768-d, ViT-L/14's shape) from the tests' small inputs (the
content with 40 vocabulary labels and 4 ensemble templates: the full vocabulary is 516,092 texts to embed for a
second model, minutes on 2 cores); model.json holds the photos' and the default labels' vectors, so its size does
not depend on the vocabulary. Alone: python -m bench.models [--site SITE], writes bench/results-models.md;
rows(table, browser, url, site, runs) is item 15 of `python -m bench` (full bench only)."""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from .common import KB, ROOT, Budget, Table, build_site, gz, machine, snapshot_of

SWITCH = {1: None, 4: Budget("<=", 200, " ms")}  # the Speed: within 200 ms at 4x CPU, data loaded

# the select changed, then the label rows watched until they show the target model's numbers, then the next frame
CHOOSE = """async (target) => {
    const select = document.querySelector('[data-testid=model-select]');
    const line = document.getElementById('bar-model-state');
    const row = () => document.querySelector('#label-rows tr[data-prob]');
    const before = row()?.dataset.sim;
    const shown = () => line.dataset.shown === target && row() && row().dataset.sim !== before;
    const start = performance.now();
    select.value = target;
    select.dispatchEvent(new Event('change'));
    for (let i = 0; i < 20000 && !shown(); i++) await new Promise((r) => setTimeout(r, 0));
    await new Promise(requestAnimationFrame);
    return { ms: performance.now() - start, shown: shown() };
}"""


def open_page(context, url):
    page = context.new_page()
    page.goto(f"{url}index.html")
    page.wait_for_selector("body[data-ready=true]:not([data-loading])", timeout=30000)
    return page


def choose(page, model):
    result = page.evaluate(CHOOSE, model)
    if not result["shown"]:
        raise RuntimeError(f"the label rows did not show {model}'s numbers")
    return result["ms"]


def first_view_asks(browser, url):
    """The paths under models/ that the core article's first view requests (none, by design)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    asked = []
    page.on("request", lambda request: asked.append(urlsplit(request.url).path))
    page.goto(f"{url}index.html")
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    page.wait_for_load_state("networkidle")
    context.close()
    return [path for path in asked if "/models/" in path]


def switch_times(browser, url, default, second, runs):
    """{rate: median ms of 2 * runs switches with the data in the page}, and the first switch's ms with the files in
    the HTTP cache (median of runs fresh pages of one context, after one that filled the cache)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    choose(open_page(context, url), second)  # fills the HTTP cache
    firsts = []
    for _ in range(runs):
        page = open_page(context, url)
        firsts.append(choose(page, second))
        page.close()
    loaded = {}
    for rate in SWITCH:
        page = open_page(context, url)
        choose(page, second)  # landed: kept in the page
        choose(page, default)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
        loaded[rate] = statistics.median([choose(page, model) for _ in range(runs) for model in (second, default)])
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        page.close()
    context.close()
    return loaded, statistics.median(firsts)


def rows(table, browser, url, site, runs):
    models = snapshot_of(site)["models"]
    default, second = models[0], models[1]
    record = (site / second["file"]).read_bytes()
    table.add("15. models: a second model's download when chosen (model.json)", f"{gz(record) / KB:.1f} KB gzip",
              None, None, f"{second['id']}, {second['dim']}-d: {len(record) / KB:.0f} KB raw; its label files "
              "(a vocabulary label on screen) come on top, one each; fetched only when chosen")
    asked = first_view_asks(browser, url)
    table.add("15. models: first view's requests under models/", str(len(asked)), Budget("=", 0), len(asked),
              "the core article opened with the default model")
    loaded, first = switch_times(browser, url, default["id"], second["id"], runs)
    load = os.getloadavg()[0]
    for rate, budget in SWITCH.items():
        slowed = "unthrottled" if rate == 1 else f"{rate}x CPU slowdown"
        table.add(f"15. models: switch, data loaded, {slowed}", f"{loaded[rate]:.1f} ms", budget or "", loaded[rate],
                  f"select change to the label rows with the new model's numbers and the next frame; median of "
                  f"{2 * runs} switches (core article); load average {load:.1f} on {os.cpu_count()} cores",
                  timing=True)
    table.add("15. models: first switch, files in the HTTP cache, unthrottled", f"{first:.1f} ms", None, None,
              f"model.json read from the cache, parsed and decoded; median of {runs} fresh pages", timing=True)


def small_inputs(folder, n_vocabulary=40, n_ensemble=4):
    """content/ and photos/ copied into folder with a short vocabulary and ensemble (as tests/conftest.py's
    make_small_inputs); -> (content, photos)."""
    content, photos = folder / "content", folder / "photos"
    shutil.copytree(ROOT / "content", content)
    shutil.copytree(ROOT / "photos", photos)
    labels = (content / "labels.yaml").read_text().splitlines()
    defaults = [line.strip()[2:] for line in labels if line.strip().startswith("- ")]
    example = [line.split(":", 1)[1].split("#")[0].strip() for line in labels if line.startswith("token_example:")]
    vocabulary = [w for w in (content / "vocabulary.txt").read_text().splitlines() if w and not w.startswith("#")]
    extra = [w for w in vocabulary if w not in defaults + example][: n_vocabulary - len(defaults) - len(example)]
    (content / "vocabulary.txt").write_text("\n".join(defaults + extra + ["kitten", "tabby cat"] + example) + "\n")
    templates = (content / "ensemble-templates.txt").read_text().splitlines()
    (content / "ensemble-templates.txt").write_text("\n".join(templates[: n_ensemble + 1]) + "\n")
    return content, photos


def build_two_models(folder, cache):
    """The two-model site of the small inputs, built with build.py in a new process; -> its folder."""
    content, photos = small_inputs(folder)
    build_site(folder / "site", cache, content=content, extra=("--model", "stand-in-l14", "--photos", str(photos),
                                                               "--no-live"))
    return folder / "site"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.models", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", help="a site already built with two models (else built in a temporary folder)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    from explainer.harness import chromium, serve
    table = Table()
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(args.site) if args.site else build_two_models(Path(tmp), ROOT / ".cache")
        with serve(site) as url, chromium() as browser:
            rows(table, browser, url, site, args.runs)
    out = ROOT / "bench" / "results-models.md"
    out.write_text(f"# make bench results\n\nMachine: {machine()}\n\nRun: `python -m bench.models`; "
                   f"{len(table.failed)} budget(s) missed.\n\n{table.markdown()}\n")
    print(f"wrote {out}")
    return 1 if table.failed else 0


if __name__ == "__main__":
    sys.exit(main())
