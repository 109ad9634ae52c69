"""Dependencies that really go away, without touching the shared servers.

``TcpGate`` is a small TCP proxy in front of a server (the shared PostgreSQL or Redis): the app
is pointed at the gate, and closing the gate is, for the app, the server stopping — the open
connections are cut and new ones are refused, since nothing listens on the port any more.
``reopen()`` is the server coming back on the same address. ``SqliteGate`` does the same for
an SQLite file: its folder is moved away (and the pool's open handles dropped), so no
connection can open it.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def free_port() -> int:
    """A port nothing listens on (bound then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


DEFAULT_PORTS = {"postgresql": 5432, "redis": 6379}


class TcpGate:
    def __init__(self, url: str):
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS[parts.scheme.partition("+")[0]]
        self.target = (parts.hostname or "127.0.0.1", port)
        self._parts = parts
        self.port = free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.reopen()

    @property
    def url(self) -> str:
        """The server's URL with the gate's address in place of the server's."""
        netloc = self._parts.netloc.rpartition("@")
        userinfo = f"{netloc[0]}@" if netloc[1] else ""
        return urlunsplit(self._parts._replace(netloc=f"{userinfo}127.0.0.1:{self.port}"))

    def reopen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        """The server stops: nothing listens any more, and every open connection is cut."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _cut(sock)

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _cut(client)
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _cut(source)
        _cut(sink)


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already cut by the other direction's pump
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class SqliteGate:
    """An SQLite database in its own folder, which ``close()`` moves out of reach."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._away = folder.with_name(folder.name + "-away")
        self.engine = None  # the app's engine, once it has one

    @property
    def url(self) -> str:
        return f"sqlite:///{self.folder / 'app.sqlite3'}"

    def close(self) -> None:
        shutil.move(self.folder, self._away)
        self.folder.write_text("the database was here")  # a file: the folder cannot be made
        self._drop_handles()  # open ones would still reach the moved file

    def reopen(self) -> None:
        self.folder.unlink()
        shutil.move(self._away, self.folder)
        self._drop_handles()

    def _drop_handles(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
