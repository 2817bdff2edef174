"""`python -m bench` (see __init__.py): builds the stand-in site once, then runs the items asked for."""
import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import bench

from . import embedding, live_label, livemode, memory, models, occlusion, page, phone, rebuilds, towers
from .common import ROOT, Table, build_site, machine

# --only's choices, in the order they run
ITEMS = ("page", "embed", "rebuilds", "memory", "live", "occlusion", "phone", "towers", "models")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=bench.__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="fast, stand-in only: items 1-6 and 8")
    parser.add_argument("--results", help="where the table goes (bench/results.md; with --only, "
                        "bench/results-ITEM.md, so a partial run leaves the full table alone)")
    parser.add_argument("--only", action="append", choices=ITEMS, help="run only this item (repeatable)")
    parser.add_argument("--phone-only", action="store_true", help="only item 9, the same as --only phone")
    parser.add_argument("--rounds", type=int, default=3, help="turns of item 5's full-size levers")
    args = parser.parse_args(argv)
    only = set(args.only or ()) | ({"phone"} if args.phone_only else set())
    if not args.results:
        args.results = str(ROOT / "bench" / (f"results-{'-'.join(i for i in ITEMS if i in only)}.md" if only
                                             else "results.md"))
    wanted = only or (set(ITEMS) - ({"memory", "phone"} if args.smoke else set()))
    runs = 3 if args.smoke else 7
    table = Table(judge_times=not args.smoke)
    from explainer.content import read_content
    content = read_content(ROOT / "content", ROOT / "photos")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        site, cache = work / "site", work / "cache"
        # a private copy of the cache, so that the label added below is new on every run
        shutil.copytree(ROOT / ".cache", cache, ignore=shutil.ignore_patterns("full-size-random*"))
        if wanted - {"embed", "memory"}:  # the stand-in site, for the items that open or rebuild it
            build_site(site, cache)
        print(f"bench ({'smoke' if args.smoke else 'full'}; {', '.join(i for i in ITEMS if i in wanted)}) "
              f"on {machine()}", flush=True)
        run_items(table, wanted, args, runs, content, site, work, cache)
    return finish(table, args, only)


def run_items(table, wanted, args, runs, content, site, work, cache):
    """The items asked for, in ITEMS's order, on the stand-in site (site) and a private cache."""
    if wanted & {"page", "live"}:
        browser_items(table, wanted, args, runs, content, site)
    if "rebuilds" in wanted:
        rebuilds.rows(table, work, cache, content, runs)
    if "embed" in wanted:
        embedding.stand_in_rows(table, content, cache)
        if not args.smoke:
            embedding.full_size_rows(table, content, args.rounds)
    if not args.smoke and wanted & {"memory", "live"}:
        folder = embedding.full_size_checkpoint()
        memory.rows(table, folder, work)  # live mode's full-size rows reuse this build's site
        if "live" in wanted:
            livemode.full_size_rows(table, folder, work, content)
    if not args.smoke and "occlusion" in wanted:
        occlusion.rows(table, site)  # the full-size model's occluded passes: minutes on 2 cores
    if not args.smoke and "phone" in wanted:
        phone.phone(table, site)  # Lighthouse is slow (3 runs of ~30 s): the full bench only
    if not args.smoke and "towers" in wanted:
        from explainer.harness import chromium, serve
        with serve(site) as url, chromium() as browser:
            towers.rows(table, browser, url, site)  # one full-size forward pass, and the layer slider in Chromium
    if not args.smoke and "models" in wanted:  # a two-model site of the small inputs (bench/models.py)
        from explainer.harness import chromium, serve
        with serve(models.build_two_models(work / "models", cache)) as url, chromium() as browser:
            models.rows(table, browser, url, work / "models" / "site", runs)


def browser_items(table, wanted, args, runs, content, site):
    """The page's items and live mode's: one server and one Chromium for both."""
    from explainer.harness import chromium, serve
    with serve(site) as url, chromium() as browser:
        if "page" in wanted:
            page.rows(table, browser, url, site, content, runs, args.smoke)
        if "live" in wanted:
            livemode.live_parity_rows(table, livemode.live_mode(table, browser, url, site, content,
                                                                "stand-in"), "stand-in")
            if not args.smoke:
                live_label.enter_to_row(table, browser, url, content, "stand-in")


def finish(table, args, only):
    run = ("python -m bench --smoke" if args.smoke else
           f"python -m bench {' '.join(f'--only {i}' for i in ITEMS if i in only)}" if only else "make bench")
    header = (f"# make bench results\n\nMachine: {machine()}\n\nRun: `{run}`"
              f"; {len(table.failed)} budget(s) missed.\n\n")
    Path(args.results).parent.mkdir(parents=True, exist_ok=True)
    notes = "".join(f"- {note}\n" for note in table.notes)
    Path(args.results).write_text(header + table.markdown() + "\n" + (f"\n{notes}" if notes else ""))
    verdict = f"{len(table.failed)} budget(s) MISSED" if table.failed else "all budgets met"
    print(f"\nwrote {args.results}; {verdict}")
    return 1 if table.failed else 0


if __name__ == "__main__":
    sys.exit(main())
