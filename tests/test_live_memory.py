"""Live mode's memory (issue #22 item 4), stand-in: the build's count of what a tab holds for each tower (int8
kept as int8, a Cast-fed weight folded to float32), the choice of the variant by memory then bytes, and the
cost said before anything starts where memory is short (navigator.deviceMemory <= 4, or a phone's screen),
with a text-only choice that fetches no photo tower. Chromium's measured memory is a `make bench` row
(bench/livememory.py), never a test's."""
from urllib.parse import urlsplit

import numpy as np
import onnx
import pytest
from browser import Watcher
from conftest import read_snapshot
from onnx import TensorProto, helper, numpy_helper
from test_live_browser import browser, content, manifest_of  # noqa: F401  (shared fixtures)

from explainer.harness import serve
from explainer.live import choose_variant, memory_of, tab_memory


def test_memory_of_counts_int8_kept_and_cast_folded(tmp_path):
    """A weight only a Cast reads is folded to float32 (4 bytes a value); int8 a Gather reads stays 1 byte."""
    folded = numpy_helper.from_array(np.ones((64, 32), np.int8), "folded")   # 2,048 values -> 8,192 bytes
    table = numpy_helper.from_array(np.ones((100, 32), np.int8), "table")    # 3,200 values -> 3,200 bytes
    scale = numpy_helper.from_array(np.ones((1, 32), np.float32), "scale")   # 32 float32 -> 128 bytes
    nodes = [helper.make_node("Cast", ["folded"], ["w"], to=TensorProto.FLOAT),
             helper.make_node("Gather", ["table", "ids"], ["rows"]),
             helper.make_node("Cast", ["rows"], ["rows_float"], to=TensorProto.FLOAT),
             helper.make_node("MatMul", ["rows_float", "w_t"], ["y0"]),
             helper.make_node("Mul", ["y0", "scale"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("ids", TensorProto.INT64, [None]),
                                           helper.make_tensor_value_info("w_t", TensorProto.FLOAT, [32, 32])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 32])],
                              [folded, table, scale])
    onnx.save(helper.make_model(graph), tmp_path / "m.onnx")
    assert memory_of(tmp_path / "m.onnx") == {"memory_bytes": 8192 + 3200 + 128, "folded_bytes": 8192}


def test_the_variant_that_holds_least_then_downloads_least():
    def entry(size, memory, folded, gzip):
        return {"bytes": size, "memory_bytes": memory, "folded_bytes": folded, "gzip_bytes": gzip}
    small_folded = entry(60, 240, 240, 50)      # 2*60 + 240 + 240 = 600
    int8_kernels = entry(64, 64, 0, 58)         # 2*64 + 64 = 192
    near = entry(62, 80, 0, 55)                 # 204: within 10% of 192, and fewer bytes to download
    assert tab_memory(small_folded) == 600 and tab_memory(near, {"files": [{"bytes": 10}]}) == 224
    assert choose_variant({"folded": small_folded, "int8": int8_kernels}) == "int8"
    assert choose_variant({"folded": small_folded, "int8": int8_kernels, "near": near}) == "near"
    assert choose_variant({}) is None


def test_the_page_is_told_what_the_build_counted(site):
    """snap.live.memory_bytes: per tower, the downloaded graph twice (it and its parsed copy) and its weights
    file once, its weights as they run and the float32 copies folding makes, and the text tower's compiled
    wasm, from the shipped files."""
    out, _ = site
    manifest = manifest_of(out)
    snap = read_snapshot((out / "index.html").read_text())["live"]
    runtime_wasm = sum((out / "vendor" / f["file"]).stat().st_size for f in manifest["runtime"]["files"])
    for tower in ("text", "vision"):
        shipped = out / "live" / manifest[tower]["file"]
        counted = memory_of(shipped)
        assert counted == {k: manifest[tower][k] for k in ("memory_bytes", "folded_bytes")}
        weights = (out / "live" / manifest[tower]["data"]["file"]).stat().st_size  # read once, never copied whole
        expected = 2 * shipped.stat().st_size + weights + counted["memory_bytes"] + counted["folded_bytes"]
        if tower == "text":
            expected += 2 * runtime_wasm
        assert snap["memory_bytes"][tower] == expected
    # the chosen variant is the lightest in memory among those within the bounds (10% allowed), then the smallest
    for tower in ("text", "vision"):
        within = [c for c in manifest["candidates"] if c["tower"] == tower and c["ok"]]
        least = min(tab_memory(c) for c in within)
        assert tab_memory(manifest[tower]) <= 1.1 * least


def open_device(browser, site, device_memory, width):  # noqa: F811
    """A page as a device reporting device_memory GB (None: the browser's own answer) at this width."""
    out, _ = site
    server = serve(out)
    url = server.__enter__()
    context = browser.new_context(viewport={"width": width, "height": 900})
    if device_memory is not None:
        context.add_init_script(f"Object.defineProperty(Navigator.prototype, 'deviceMemory', "
                                f"{{ get: () => {device_memory} }});")
    page = context.new_page()
    watcher = Watcher(page, url)
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    return server, context, page, watcher


@pytest.fixture
def device(browser, site):  # noqa: F811
    opened = []

    def opener(device_memory, width=1280):
        opened.append(open_device(browser, site, device_memory, width))
        return opened[-1][2], opened[-1][3]
    yield opener
    for server, context, _, watcher in opened:
        watcher.check()
        context.close()
        server.__exit__(None, None, None)


def said(page):
    return page.locator("[data-testid=live-start]").inner_text(), page.locator("[data-testid=live-start-both]")


def test_little_memory_says_the_cost_first_and_offers_text_only(device, site):
    out, _ = site
    snap = read_snapshot((out / "index.html").read_text())["live"]
    manifest = manifest_of(out)
    page, watcher = device(2)
    text, both = said(page)
    assert text == (f"Live mode, text only: {round(snap['text_bytes'] / 1e6)} MB download, about "
                    f"{round(snap['memory_bytes']['text'] / 1e6)} MB of memory")
    assert both.count() == 1 and f"about {round(sum(snap['memory_bytes'].values()) / 1e6)} MB" in both.inner_text()
    assert (f"{round(snap['vision_bytes'] / 1e6)} MB more to download, about "
            f"{round(snap['memory_bytes']['vision'] / 1e6)} MB more memory") in page.inner_text("#own-photo")
    paths = [urlsplit(r[1]).path for r in watcher.requests]
    assert not [p for p in paths if p.startswith("/live/") or p.endswith(".wasm")], paths  # nothing started yet
    page.click("[data-testid=live-start]")
    page.locator("[data-testid=live-status]", has_text="Live mode is on").wait_for(timeout=120000)
    assert "photo tower not loaded" in page.inner_text("[data-testid=live-status]")
    fetched = [r[1] for r in watcher.requests]
    assert any(u.endswith("/live/" + manifest["text"]["file"]) for u in fetched)
    assert not any(u.endswith("/live/" + manifest["vision"]["file"]) for u in fetched)


def test_both_towers_on_request_and_a_phone_screen_counts_as_little_memory(device, site):
    out, _ = site
    manifest = manifest_of(out)
    page, watcher = device(8, width=375)  # plenty of memory, but a phone's screen
    text, both = said(page)
    assert text.startswith("Live mode, text only:") and both.count() == 1
    both.click()
    page.locator("[data-testid=live-status]", has_text="photo tower ready").wait_for(timeout=120000)
    fetched = [r[1] for r in watcher.requests]
    assert any(u.endswith("/live/" + manifest["vision"]["file"]) for u in fetched)


def test_plenty_of_memory_on_a_wide_screen_keeps_the_plain_button(device):
    page, _ = device(8)
    text, both = said(page)
    assert text == "Live mode" and both.count() == 0 and "more memory" not in page.inner_text("#own-photo")
