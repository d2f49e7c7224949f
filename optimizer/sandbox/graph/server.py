"""The sandbox as a real HTTP server on 127.0.0.1, started and stopped from Python.

``SandboxServer(app).start()`` binds (port 0 picks a free port), serves on a daemon thread and returns the
base URL to give ``FacebookSession.GRAPH``. ``paging.next`` links point at this server's own host and port.
A dropped-connection fault closes the socket without writing a byte.
"""

from __future__ import annotations

import errno
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from optimizer.errors import InputError
from optimizer.sandbox.graph.app import GraphApp
from optimizer.sandbox.graph.wire import invalid_parameter


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm meets the client's
    # delayed ACK and every keep-alive call waits ~40 ms.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self._answer()

    def do_DELETE(self) -> None:  # noqa: N802
        self._answer()

    def do_PUT(self) -> None:  # noqa: N802 (answered in Graph's JSON error shape, never http.server's HTML)
        self._answer()

    def do_PATCH(self) -> None:  # noqa: N802
        self._answer()

    def _answer(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = (
                True  # the body's end is unknown: this connection cannot be reused
            )
            response = invalid_parameter("Content-Length must be a non-negative integer").response()
        else:
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items()}
            response = self.server.app.handle_wire(
                self.command, self.path, body, headers, self.server.base_url
            )
        if response.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        payload = response.text().encode()
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (signature of the base class)
        """Quiet: the sandbox serves thousands of calls in a test run."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: GraphApp) -> None:
        super().__init__(address, _Handler)
        self.app = app
        host, port = self.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"


class SandboxServer:
    """Serve a :class:`GraphApp` over HTTP on a background thread."""

    def __init__(self, app: GraphApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` once started."""
        if self._server is None:
            raise RuntimeError("the sandbox server is not running")
        return self._server.base_url

    def start(self) -> str:
        """Bind and serve in the background; returns the base URL."""
        if self._server is None:
            try:
                self._server = _Server((self.host, self.port), self.app)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                raise InputError(
                    f"port {self.port} on {self.host} is already in use (another sandbox, or an "
                    "earlier `make run` still running?): pick another with --port, or make run PORT=..."
                ) from None
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="graph-sandbox", daemon=True
            )
            self._thread.start()
        return self.base_url

    def wait(self) -> None:
        """Block until the server stops (the CLI waits here until Ctrl-C)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=0.5)

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
