"""Item 9 (the full bench only; Lighthouse is slow), a phone: Lighthouse 12.2.3 from node_modules (mobile form
factor and simulated throttling, its defaults; median of 3) against the site served with gzip on 127.0.0.1,
and the Event Timing API's durations of real (trusted) interactions at 375 px, unthrottled and with the CPU
slowed 4x through the DevTools protocol. Its rows are all timing rows: scores depend on the machine too."""
import functools
import json
import os
import statistics
import subprocess
import sys

from explainer.harness import CHROMIUM, FLAGS, chromium
from explainer.staticserver import serve

from .common import ROOT, Budget
from .page import ADDED

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
DEEP_PAGE = "vectors.html"  # the deep-dive page Lighthouse also scores (its first screen holds two charts)
serve_gzip = functools.partial(serve, gzip=True)  # text gzipped when the request accepts it, as any real host


def lighthouse(url, runs=3):
    """Median of runs of Lighthouse (mobile form factor, simulated throttling: its defaults):
    {figure: value}, and the diagnostics of the median-performance run."""
    reports = []
    for _ in range(runs):
        result = subprocess.run([str(LIGHTHOUSE), url, "--output=json", "--output-path=stdout", "--quiet",
                                 "--only-categories=performance,accessibility,best-practices,seo",
                                 "--chrome-flags=" + " ".join(FLAGS)],
                                env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True,
                                timeout=300)
        if result.returncode:
            sys.exit(f"lighthouse failed:\n{result.stderr[-3000:]}")
        reports.append(json.loads(result.stdout))

    def score(lhr, category):
        return round(lhr["categories"][category]["score"] * 100)

    def audit(lhr, name):
        return lhr["audits"][name]["numericValue"]
    figures = {
        "performance": statistics.median(score(r, "performance") for r in reports),
        "fcp": statistics.median(audit(r, "first-contentful-paint") for r in reports),
        "lcp": statistics.median(audit(r, "largest-contentful-paint") for r in reports),
        "tbt": statistics.median(audit(r, "total-blocking-time") for r in reports),
        "cls": statistics.median(audit(r, "cumulative-layout-shift") for r in reports),
        "accessibility": statistics.median(score(r, "accessibility") for r in reports),
        "best-practices": statistics.median(score(r, "best-practices") for r in reports),
        "seo": statistics.median(score(r, "seo") for r in reports),
        "all": [(score(r, "performance"), audit(r, "largest-contentful-paint"), audit(r, "total-blocking-time"))
                for r in reports],
    }
    middle = sorted(reports, key=lambda r: score(r, "performance"))[len(reports) // 2]
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "lighthouse.json").write_text(json.dumps(middle))  # the median run, for its diagnostics
    return figures, diagnostics(middle)


def diagnostics(lhr):
    """What a missed budget is explained by: the LCP element, main-thread work, the failed audits."""
    audits = lhr["audits"]
    lines = []
    try:
        items = audits["largest-contentful-paint-element"]["details"]["items"]
        node = items[0]["items"][0]["node"] if "items" in items[0] else items[0]["node"]
        lines.append(f"LCP element: {node.get('selector', '')} {node.get('snippet', '')[:120]}")
        if len(items) > 1:
            phases = {i["phase"]: round(i["timing"]) for i in items[1]["items"]}
            lines.append(f"LCP phases (ms): {phases}")
    except (KeyError, IndexError, TypeError):
        error = audits.get("largest-contentful-paint-element", {}).get("errorMessage")
        if error:
            lines.append(f"LCP element: not reported (Lighthouse's gatherer failed with this Chromium: {error[:140]})")
    work = audits.get("mainthread-work-breakdown", {})
    if work.get("details"):
        top = ", ".join(f"{i['groupLabel']} {i['duration']:.0f} ms" for i in work["details"]["items"][:4])
        lines.append(f"main-thread work {work['numericValue']:.0f} ms: {top}")
    boot = audits.get("bootup-time", {})
    if boot.get("details"):
        top = ", ".join(f"{i['url'].rsplit('/', 1)[-1] or '/'} {i['scripting']:.0f} ms"
                        for i in boot["details"]["items"][:3])
        lines.append(f"script evaluation: {top}")
    for category in ("accessibility", "best-practices", "seo"):
        for ref in lhr["categories"][category]["auditRefs"]:
            a = audits[ref["id"]]
            if ref["weight"] and a.get("score") is not None and a["score"] < 1:
                lines.append(f"{category} audit failed: {ref['id']} ({a['title']})")
    return lines


EVENT_OBSERVER = """
window.__events = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__events.push({ name: e.name, duration: e.duration, id: e.interactionId });
}).observe({ type: 'event', durationThreshold: 16, buffered: true });
"""
SETTLE = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 250))))"


def interaction_latency(browser, url, cpu_rate, steps=5):
    """Event Timing durations (ms, the largest entry of each interaction; 0 when under the 16 ms threshold)
    at 375 px: {interaction: [duration per step]}."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.add_init_script(EVENT_OBSERVER)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    page.wait_for_load_state("networkidle")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_rate})

    def measure(action):
        page.evaluate(SETTLE)
        page.evaluate("window.__events = []")
        action()
        page.evaluate(SETTLE)
        page.wait_for_timeout(200)
        events = page.evaluate("window.__events")
        return max([e["duration"] for e in events if e["id"]] or [0])

    times = {"slider step (ArrowRight)": [], "photo change (click)": [], "template change (select)": [],
             "add a label (type, Enter)": []}
    page.focus("#tau-slider")
    for _ in range(steps):
        times["slider step (ArrowRight)"].append(measure(lambda: page.keyboard.press("ArrowRight")))
    photos = page.eval_on_selector_all("input[name=photo]", "inputs => inputs.map((i) => i.value)")
    for i in range(steps):
        choice = page.locator(f"label.photo-choice:has(input[value='{photos[(i + 1) % len(photos)]}'])")
        choice.scroll_into_view_if_needed()
        times["photo change (click)"].append(measure(choice.click))
    # a real key press on the closed <select> (select_option's synthetic events are not user input, which
    # Event Timing ignores): ArrowDown picks the next option, and the page changes template
    page.focus("#template-select")
    for _ in range(steps):
        before = page.eval_on_selector("#template-select", "s => s.value")
        key = "ArrowDown" if page.eval_on_selector("#template-select", "s => s.selectedIndex < s.options.length - 1") \
            else "Home"
        times["template change (select)"].append(measure(lambda key=key: page.keyboard.press(key)))
        assert page.eval_on_selector("#template-select", "s => s.value") != before, "the template did not change"
    for label in ADDED[:steps]:
        page.fill("#add-label-input", label)
        page.locator("#label-suggestions [role=option]").first.wait_for(timeout=30000)
        times["add a label (type, Enter)"].append(measure(lambda: page.press("#add-label-input", "Enter")))
        page.wait_for_selector(f"#label-rows tr[data-label='{label}'][data-state=ready]", timeout=30000)
    context.close()
    return times


def phone(table, site, runs=3):
    """Item 9: Lighthouse (mobile) and Event Timing interaction latency; all rows timing (machine speed)."""
    with serve_gzip(site) as url:
        lh, notes = lighthouse(url, runs)
        each = "; ".join(f"{p} / {lcp / 1000:.2f} s / {t:.0f} ms" for p, lcp, t in lh["all"])
        table.add("9. Lighthouse mobile: performance score", f"{lh['performance']:.0f}", Budget(">=", 95),
                  lh["performance"], f"median of {runs} (score / LCP / TBT per run: {each})", timing=True)
        table.add("9. Lighthouse mobile: first contentful paint", f"{lh['fcp'] / 1000:.2f} s", "", None,
                  f"median of {runs}; slow 4G, 4x CPU simulated")
        table.add("9. Lighthouse mobile: largest contentful paint", f"{lh['lcp'] / 1000:.2f} s",
                  Budget("<=", 2.5, " s"),
                  lh["lcp"] / 1000, f"median of {runs}", timing=True)
        table.add("9. Lighthouse mobile: total blocking time", f"{lh['tbt']:.0f} ms", Budget("<=", 200, " ms"),
                  lh["tbt"], f"median of {runs}", timing=True)
        table.add("9. Lighthouse mobile: cumulative layout shift", f"{lh['cls']:.3f}", Budget("<=", 0.05),
                  lh["cls"], f"median of {runs}", timing=True)
        for key, name in (("accessibility", "accessibility"), ("best-practices", "best practices"), ("seo", "SEO")):
            table.add(f"9. Lighthouse mobile: {name} score", f"{lh[key]:.0f}", Budget("=", 100), lh[key],
                      f"median of {runs}", timing=True)
        deep = DEEP_PAGE if (site / DEEP_PAGE).is_file() else None  # issue 32: one deep-dive page as well
        if deep:
            dl, _ = lighthouse(url + deep, runs)
            table.add(f"9. Lighthouse mobile on {deep}: performance score", f"{dl['performance']:.0f}",
                      Budget(">=", 95), dl["performance"],
                      f"median of {runs}; LCP {dl['lcp'] / 1000:.2f} s, TBT {dl['tbt']:.0f} ms, CLS {dl['cls']:.3f}",
                      timing=True)
        for line in notes:
            print(f"    lighthouse: {line}", flush=True)
        table.notes += [f"Lighthouse (median-performance run): {line}" for line in notes]
        with chromium() as browser:
            for rate, budget in ((1, 50), (4, 200)):
                for name, values in interaction_latency(browser, url, rate).items():
                    worst = max(values)
                    table.add(f"9. interaction, {name}, {'unthrottled' if rate == 1 else f'{rate}x CPU'}",
                              f"{worst:.0f} ms", Budget("<=", budget, " ms"), worst,
                              f"worst of {len(values)}, median {statistics.median(values):.0f} ms; Event Timing "
                              f"at 375 px (0 = under its 16 ms threshold)", timing=True)
    return notes
