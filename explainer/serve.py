"""`make serve`: build (drafts included), serve site/ on http://127.0.0.1:8000, rebuild when an input
changes, and reload the open tab. A failed rebuild keeps the server up: the terminal prints the error, the
browser shows it instead of the page, and the next good save recovers. The port is taken before the first
build, so a busy one is reported at once, in one line.

The server never reads the folder a build is writing: each finished build is copied, as hard links (cheap),
into a hidden folder beside it (`.site.serving<n>-<pid>`) and swapped in at once, so no request sees a file
missing mid-rebuild; the copy before is deleted at the next swap, and all of them when serve stops.

    python -m explainer.serve [--model stand-in] [--host 127.0.0.1] [--port 8000] [--content content] [--photos photos]
"""
import argparse
import html
import json
import os
import shutil
import sys
import threading
import time
import traceback
from pathlib import Path

from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from .errors import BuildError
from .model import DEFAULT_MODEL, STAND_IN, ModelUnavailable, resolve_model
from .pipeline import build
from .staticserver import StaticHandler, make_server
from .write import ROOT, check_out

RELOAD_SCRIPT = b"""// make serve only: reload this tab when a rebuild finishes (never part of a published site)
let version = null;
async function poll() {
  try {
    const state = await (await fetch('/__build__', { cache: 'no-store' })).json();
    if (version !== null && state.version !== version) location.reload();
    version = state.version;
  } catch { /* the server is restarting; try again */ }
  setTimeout(poll, 500);
}
poll();
"""
RELOAD_TAG = b'<script type="module" src="/__reload__.js"></script>'

class Builds:
    """The latest build's outcome; `version` grows with every rebuild, good or bad."""

    def __init__(self, model, out, inputs):
        self.model, self.out, self.inputs = model, Path(out), inputs
        self.version, self.error, self.lock = 0, None, threading.Lock()
        self.served, self.copies = self.out.resolve(), []  # the folder requests read now; the copies made, oldest first

    def swap_in(self):
        """Hard-link the finished build into a fresh hidden folder and serve that from now on. The copy
        served before stays until the next swap (a request may still be reading it), then goes."""
        out = self.out.resolve()
        copy = out.parent / f".{out.name}.serving{self.version}-{os.getpid()}"
        shutil.rmtree(copy, ignore_errors=True)
        link_tree(out, copy)
        self.served = copy
        self.copies.append(copy)
        while len(self.copies) > 2:
            shutil.rmtree(self.copies.pop(0), ignore_errors=True)

    def remove_copies(self):
        for copy in self.copies:
            shutil.rmtree(copy, ignore_errors=True)

    def run(self, reason):
        with self.lock:
            start = time.perf_counter()
            try:
                report = build(self.model, self.out, log=print_warnings, drafts=True, **self.inputs)
                self.swap_in()
                self.error = None
                stats = report.stats
                print(f"[serve] rebuilt ({reason}) in {time.perf_counter() - start:.2f} s; model calls: "
                      f"{stats['forward_passes']} forward passes, {stats['texts_embedded']} texts", flush=True)
            except BuildError as error:
                self.error = str(error)
                print(f"[serve] build failed ({reason}): {error}", file=sys.stderr, flush=True)
            except Exception:  # a bug, not bad input: still keep serving, and show it
                self.error = traceback.format_exc()
                print(f"[serve] build crashed ({reason}):\n{self.error}", file=sys.stderr, flush=True)
            self.version += 1


def print_warnings(line):
    """The build's log, less its step timings: only its warnings reach the terminal."""
    if line.startswith("warning:"):
        print(f"[serve] {line}", file=sys.stderr, flush=True)


def link_tree(source, target):
    """A copy of the folder source at target made of hard links (copies where a link cannot be made)."""
    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
    shutil.copytree(source, target, copy_function=link, symlinks=True)


def handler_for(builds):
    class Handler(StaticHandler):
        def do_GET(self):
            if self.bad_path():
                return
            path = self.path.split("?")[0].split("#")[0]
            if path == "/__build__":
                return self.send(200, "application/json",
                                 json.dumps({"version": builds.version, "error": builds.error}).encode())
            if path == "/__reload__.js":
                return self.send(200, "text/javascript", RELOAD_SCRIPT)
            if path.endswith("/") or path.endswith(".html"):
                if builds.error:
                    page = (f"<!doctype html><html lang=en><meta charset=utf-8><title>Build failed</title>"
                            f"<link rel=icon href=\"data:,\">"
                            f"<h1>The build failed</h1><pre id=build-error>{html.escape(builds.error)}</pre>"
                            f"<p>Fix the file and save: this page reloads by itself.</p>").encode()
                    return self.send(500, "text/html; charset=utf-8", page + RELOAD_TAG)
                file = Path(self.translate_path(path))
                try:
                    body = (file / "index.html" if file.is_dir() else file).read_bytes()
                except OSError:
                    body = None  # no such page: the 404 below
                if body is not None:
                    body = body.replace(b"</body>", RELOAD_TAG + b"</body>", 1)
                    return self.send(200, "text/html; charset=utf-8", body)
            return super().do_GET()

        def send(self, status, content_type, body):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    return Handler


class Rebuilder(FileSystemEventHandler):
    """Collects file events and rebuilds once they have been quiet for a moment (editors save in bursts)."""

    def __init__(self, builds, quiet=0.3):
        self.builds, self.quiet = builds, quiet
        self.timer, self.changed = None, set()

    def on_any_event(self, event):
        if event.event_type not in ("created", "modified", "moved", "deleted", "closed") or event.is_directory:
            return  # reads (the build's own) are not changes
        # An editor's atomic save writes a temporary file and renames it over the real one: the rename's
        # destination is the file that changed; the temporary name is dropped in fire() once it is gone.
        path = getattr(event, "dest_path", "") or event.src_path
        if "/." in path or path.endswith("~"):
            return  # editor swap and backup files
        self.changed.add((path, event.event_type == "deleted"))
        if self.timer:
            self.timer.cancel()
        self.timer = threading.Timer(self.quiet, self.fire)
        self.timer.daemon = True
        self.timer.start()

    def fire(self):
        changed, self.changed = self.changed, set()
        names = sorted({Path(path).name + (" (deleted)" if deleted else "")
                        for path, deleted in changed if deleted or os.path.exists(path)})
        self.builds.run(f"changed: {', '.join(names) or 'a temporary file'}")


def port_number(text):
    """--port: a whole number from 0 to 65535, else argparse's one-line usage error (exit 2)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"PORT must be a whole number from 0 to 65535 (0: a free one), not {text!r}")
    return port


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--out", default="site")
    parser.add_argument("--content", default="content")
    parser.add_argument("--photos", default="photos")
    parser.add_argument("--templates", default=str(ROOT / "templates"))
    parser.add_argument("--cache", default=str(ROOT / ".cache"))
    parser.add_argument("--host", default="127.0.0.1",
                        help="0.0.0.0 serves every network interface (a phone on the LAN)")
    parser.add_argument("--port", type=port_number, default=8000, help="0 to 65535; 0 picks a free one")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--no-live", action="store_true", help="skip live mode's ONNX export")
    args = parser.parse_args(argv)

    inputs = dict(content_dir=Path(args.content), photos_dir=Path(args.photos), templates_dir=Path(args.templates),
                  cache_dir=Path(args.cache), device=args.device, progress=True, live=not args.no_live)
    if not args.host.strip():
        print("[serve] HOST is empty, which would listen on every network interface; say HOST=127.0.0.1 (this "
              "machine only, the default) or HOST=0.0.0.0 (every interface, see the README)", file=sys.stderr)
        return 2
    try:  # before the port and the first build: an out folder that is not a site is never replaced
        check_out(args.out, dict(content=args.content, photos=args.photos, templates=args.templates,
                                 cache=args.cache, node_modules=ROOT / "node_modules"))
    except BuildError as error:
        print(f"[serve] {error}", file=sys.stderr)
        return 2
    model = args.model
    try:
        resolve_model(model, Path(args.cache))
    except ModelUnavailable as error:
        print(f"[serve] {error}\n[serve] serving the untrained STAND-IN instead (banner on the page)", file=sys.stderr)
        model = STAND_IN
    builds = Builds(model, args.out, inputs)
    try:  # take the port first: a busy one is one line, not a traceback after a full build
        server = make_server(lambda: builds.served, handler_for(builds), args.host, args.port)
    except OSError as error:
        print(f"[serve] cannot listen on {args.host}:{args.port}: {error.strerror}; choose another port with "
              f"`make serve PORT=8001`", file=sys.stderr)
        return 1
    builds.run("start")
    Path(args.out).mkdir(parents=True, exist_ok=True)

    observer = Observer()
    rebuilder = Rebuilder(builds)
    watched = [inputs["content_dir"], inputs["photos_dir"], inputs["templates_dir"]]
    for folder in watched:
        observer.schedule(rebuilder, str(folder), recursive=True)
    observer.start()
    print(f"[serve] http://{args.host}:{server.server_address[1]}/  (watching {', '.join(map(str, watched))};"
          " Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        server.server_close()
        builds.remove_copies()
    return 0


if __name__ == "__main__":
    sys.exit(main())
