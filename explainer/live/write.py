"""site/live/ and the page's snapshot of it (snap.live)."""
import json
import shutil

from .choose import tab_memory
from .common import files_of, tower_files


def write_live(site, live):
    """site/live/: the chosen ONNX files, tokenizer.json, entities.json and manifest.json."""
    folder = site / "live"
    folder.mkdir()
    for entry in files_of(live.manifest):  # the graphs and their weights files, tokenizer.json, entities.json
        shutil.copyfile(live.folder / entry["file"], folder / entry["file"])
    (folder / "manifest.json").write_text(json.dumps(live.manifest, indent=1), encoding="utf-8")


def snapshot_live(live):
    """snap.live: what the page says before anything is fetched."""
    if live is None:
        return None
    m = live.manifest
    return dict(manifest="live/manifest.json", text_bytes=m["download"]["text"], vision_bytes=m["download"]["vision"],
                variants=dict(text=m["text"]["variant"], vision=m["vision"]["variant"]),
                parity=dict(text=m["text"]["parity"], vision=m["vision"]["parity"], both=m["parity_both"]),
                bound=m["bound"], files=cached_files(m),
                memory_bytes=dict(text=tab_memory(m["text"], m["runtime"]), vision=tab_memory(m["vision"])))


def cached_files(manifest):
    """What the page looks up in its Cache Storage before anything is fetched ("cached (N MB)"): every
    file live mode downloads, by sha256, with its bytes and the part that needs it."""
    text = [*manifest["runtime"]["files"], manifest["tokenizer"], manifest["entities"], *tower_files(manifest["text"])]
    return ([dict(sha256=f["sha256"], bytes=f["bytes"], part="text") for f in text]
            + [dict(sha256=f["sha256"], bytes=f["bytes"], part="vision") for f in tower_files(manifest["vision"])])
