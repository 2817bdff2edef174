"""The one static-file server: `make serve`, the browser tests and the bench serve a folder through it, with
one table of content types. It listens on 127.0.0.1 unless told otherwise, answers a malformed path
(a NUL byte, a name longer than a file system allows) with 400 or 404 and no traceback, and, asked to,
gzips text on the fly as GitHub Pages does. It lists no folder (a folder without index.html is a 404), and
answers 421 to a request whose Host header names neither an IP address, localhost, nor the host it was
asked to listen on: a web page elsewhere cannot read it through a domain it points at 127.0.0.1 (DNS rebinding).

    with serve(folder) as url: ...              # http://127.0.0.1:<free port>/
    with serve(folder, gzip=True) as url: ...   # text responses gzipped when the request accepts gzip
"""
import functools
import gzip
import http.server
import ipaddress
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Content types that must not depend on the machine's /etc/mime.types: browsers compile .wasm only when it
# is served as application/wasm, and run a module script (.mjs) only when it is served as JavaScript.
CONTENT_TYPES = {
    ".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".mjs": "text/javascript",
    ".json": "application/json", ".md": "text/markdown", ".txt": "text/plain", ".svg": "image/svg+xml",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".avif": "image/avif",
    ".ico": "image/x-icon", ".wasm": "application/wasm", ".onnx": "application/octet-stream",
}
GZIP_TYPES = ("text/", "application/json", "image/svg+xml")  # what a real host compresses
NAME_MAX = 255  # bytes in one path segment (Linux); a longer one is a 404, not an OSError


class StaticHandler(http.server.SimpleHTTPRequestHandler):
    """Files of `directory` (a folder, or a callable returning the folder to serve now), quietly."""
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **CONTENT_TYPES}
    gzip = False

    def __init__(self, *args, directory=None, **kwargs):
        self.folder = directory
        super().__init__(*args, directory=str(directory() if callable(directory) else directory), **kwargs)

    def log_message(self, *args):
        pass

    def bad_path(self):
        """Answers a request from a foreign Host (421) or a path no file can have (400 for a NUL byte, 404 for
        an over-long name); True if it did."""
        # server_host: StaticServer's; a plain http.server around this handler (a test's) allows IPs and localhost
        if not host_allowed(self.headers.get("Host"), getattr(self.server, "server_host", None)):
            self.send_error(421, "Misdirected Request: unknown Host")
            return True
        path = unquote(urlsplit(self.path).path)
        if "\0" in path:
            self.send_error(400, "Bad path")
            return True
        if any(len(part.encode("utf-8", "surrogateescape")) > NAME_MAX for part in path.split("/")):
            self.send_error(404, "File not found")
            return True
        return False

    def do_GET(self):
        if self.bad_path():
            return
        if self.gzip and "gzip" in self.headers.get("Accept-Encoding", "") and self.send_gzipped():
            return
        try:
            super().do_GET()
        except (OSError, ValueError):  # the file vanished or the path cannot be a file: nothing to serve
            self.send_error(404, "File not found")

    def do_HEAD(self):
        if not self.bad_path():
            super().do_HEAD()

    def list_directory(self, path):
        """No folder listings: a folder without index.html is not a page."""
        self.send_error(404, "File not found")

    def send_gzipped(self):
        """Sends the file gzipped if it is text; False (nothing sent) otherwise."""
        path = Path(self.translate_path(self.path))
        try:
            path = path / "index.html" if path.is_dir() and self.path.split("?")[0].endswith("/") else path
            kind = self.guess_type(str(path))
            if not (kind.startswith(GZIP_TYPES) and path.is_file()):
                return False
            body = gzip.compress(path.read_bytes(), 6, mtime=0)
        except (OSError, ValueError):
            return False
        self.send_response(200)
        self.send_header("Content-Type", kind + ("; charset=utf-8" if kind.startswith("text/") else ""))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return True


def host_allowed(header, server_host):
    """True for a Host header naming an IP address (no DNS involved), localhost, or server_host (the name the
    server was asked to listen on); a request without one (not a browser's) is let through."""
    if header is None:
        return True
    try:
        name = urlsplit(f"//{header.strip()}").hostname
    except ValueError:  # "[::1" and the like
        return False
    if not name:
        return False
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return name.lower() in ("localhost", (server_host or "localhost").lower().strip("[]"))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, handler):
        self.server_host = address[0]  # the --host given: its name is an allowed Host header
        super().__init__(address, handler)

    def handle_error(self, request, client_address):
        """One line, not a traceback; a client that hung up mid-response is not worth one."""
        error = sys.exc_info()[1]
        if not isinstance(error, (BrokenPipeError, ConnectionResetError)):
            print(f"[server] {client_address[0]}: {type(error).__name__}: {error}", file=sys.stderr, flush=True)


def make_server(folder, handler=StaticHandler, host="127.0.0.1", port=0, gzip=False):
    """A threaded server for folder (not yet serving); raises OSError if the port is taken."""
    if gzip:
        handler = type("GzipHandler", (handler,), {"gzip": True})
    return Server((host, port), functools.partial(handler, directory=folder))


@contextmanager
def serve(folder, handler=StaticHandler, host="127.0.0.1", port=0, gzip=False):
    """Serve folder on a free port of 127.0.0.1 in a background thread; yields its base URL."""
    server = make_server(folder, handler, host, port, gzip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()

