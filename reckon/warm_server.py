"""The warm process itself (the caller's side, and why, is `reckon/warm_client.py`): it loads
the commands' code once, then forks one child per command, which takes the caller's streams,
folder, environment and umask, runs `reckon.cli.main` and sends back its status."""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import struct
import sys
from contextlib import suppress
from pathlib import Path

from reckon.warm_client import FRAME, LENGTH, read_exactly

PRELOAD = ("reckon.cli", "ingest.pipeline", "ingest.progress", "ingest.summary", "ingest.unchanged_content",
           "ingest.readers.registry", "ingest.attachments", "ingest.bulk", "ingest.tagging", "ingest.redaction",
           "archive.images", "archive.redaction_detection", "archive.catalog", "publish.pipeline", "publish.build",
           "publish.changed_list", "search.query", "audit.since", "ingest.content_watch", "sqlalchemy.dialects.sqlite", "edtf", "grimp")
"""The modules the warm commands import (a one-record ingest and its publish, a build, an audit):
loaded once, by the warm process. One left out is loaded by the command that needs it."""

IDLE_SECONDS = 900
MAX_WATCHES = 8  # content folders watched at once (each holds one of the user's 128 inotify instances)


def serve(place: Path, idle: float) -> None:
    """Load the code, then fork a child per command until `idle` seconds pass without one or
    the code on disk changes. One warm process per socket: the lock file decides."""
    import fcntl
    import gc
    import importlib
    import time

    lock = open(place.with_suffix(".lock"), "a+")  # noqa: SIM115 - held for the process's life
    for _ in range(40):  # a stale warm process may still be leaving
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            time.sleep(0.05)
    else:
        return  # another warm process serves this socket
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    gc.disable()
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # an optional part missing: its command imports it (and fails) itself
    _warm_up()
    gc.enable()
    gc.freeze()  # the children never collect what they inherit
    loaded = _code_stamp()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    bound = place.with_suffix(f".{os.getpid()}")
    bound.unlink(missing_ok=True)
    listener.bind(str(bound))
    os.chmod(bound, 0o600)
    listener.listen(16)
    os.replace(bound, place)  # appears ready: a command never finds it bound but not listening
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ours = place.stat().st_ino
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    watches: dict = {}  # content folder -> ingest.content_watch.ContentWatch, made on a command's first ask
    try:
        while True:
            ready = selector.select(timeout=idle)
            if not ready and len(selector.get_map()) == 1:
                return  # idle, and no command running asks anything
            for key, _events in ready:
                if key.fileobj is listener:
                    if not _accept(listener, loaded, selector, watches, lock):
                        return
                else:
                    _answer(key.fileobj, selector, watches)
    finally:
        if place.exists() and place.stat().st_ino == ours:
            place.unlink()


def _accept(listener: socket.socket, loaded: list, selector, watches: dict, lock) -> bool:
    """Fork a child for the command knocking, with a channel of its own back to this process
    (`ingest.watched_changes` asks over it); False when this process must leave (its code changed)."""
    connection, _ = listener.accept()
    connection.settimeout(None)
    _pid, uid, _gid = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                 struct.calcsize("3i")))
    if uid != os.getuid():
        connection.close()
        return True
    if _code_stamp() != loaded:
        connection.sendall(FRAME.pack(b"S", 0))
        connection.close()
        return False
    ours, theirs = socket.socketpair()
    if os.fork() == 0:
        for key in list(selector.get_map().values()):  # nothing of the warm process's own stays open
            key.fileobj.close()
        selector.close()
        for watch in watches.values():
            watch.close()
        lock.close()
        ours.close()
        _child(connection, theirs)  # never returns
    connection.close()
    theirs.close()
    selector.register(ours, selectors.EVENT_READ)
    return True


def _answer(channel: socket.socket, selector, watches: dict) -> None:
    """A running command asks which content files changed (`ingest.watched_changes`)."""
    from ingest.watched_changes import answer

    try:
        more = answer(channel, watches)
    except Exception:  # noqa: BLE001 - a command that left mid-question, said something else, or a
        more = False  # watch that failed: that command gets no answer (it stats every file); this process goes on
    if not more:
        selector.unregister(channel)
        channel.close()
    while len(watches) > MAX_WATCHES:
        watches.pop(next(iter(watches))).close()


def _warm_up() -> None:
    """What every command would otherwise make again on first use, from the code alone: edtf's
    grammar, built by its first parse (~0.2 s), and our import graph, read from every source file
    of ours (grimp, ~0.15 s; `_code_stamp` watches all of those files, loaded or not)."""
    from archive.code_digest import code_of
    from archive.dates import parse_date

    parse_date("196X")
    code_of("archive")


def _our_sources() -> list[str]:
    """Every source file of our packages: the import graph is read from them all."""
    from archive.code_digest import our_packages

    found = []
    for name in our_packages():
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            found += [str(p) for p in Path(module.__file__).parent.rglob("*.py")]
    return found


def _code_stamp() -> list[tuple[str, int, int]]:
    """The place, modification time and size of every loaded module's file and every source file of
    ours: what a command would load or read."""
    stamp = []
    paths = {getattr(module, "__file__", None) for module in list(sys.modules.values())} | set(_our_sources())
    for path in paths:
        if path:
            try:
                info = os.stat(path)
            except OSError:
                stamp.append((path, -1, -1))
            else:
                stamp.append((path, info.st_mtime_ns, info.st_size))
    return sorted(stamp)


def _child(connection: socket.socket, channel: socket.socket) -> None:
    """Become the caller's command: its streams, folder, environment and umask; run it; send its
    status; leave without the warm process's own clean-up. `channel`: its way to ask this
    process's content watch (`ingest.watched_changes`)."""
    import atexit
    import traceback

    from ingest.watched_changes import connect

    code = 1
    try:
        for signum in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        header, fds, _flags, _address = socket.recv_fds(connection, LENGTH.size, 3)
        if len(header) != LENGTH.size or len(fds) != 3:
            os._exit(1)
        body = read_exactly(connection, LENGTH.unpack(header)[0])
        if body is None:
            os._exit(1)
        request = json.loads(body)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.umask(request["umask"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["reckon", *request["argv"]]
        sys.stdout.reconfigure(line_buffering=os.isatty(1))
        connect(channel)
        connection.sendall(FRAME.pack(b"P", os.getpid()))
        code = _run(request["argv"])
        atexit._run_exitfuncs()  # what a process's normal end would run (logging's flush, ...)
        if os.environ.get("RECKON_WARM_REPORT"):  # what `time` would have shown of a command run by itself
            _report_use(request["argv"])
    except BaseException:  # noqa: BLE001 - whatever happens, the caller gets a status
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with suppress(Exception):  # a closed pipe: nothing more to say
                stream.flush()
        try:
            connection.sendall(FRAME.pack(b"X", code))
        finally:
            os._exit(code)


def _report_use(argv: list[str]) -> None:
    """The command's CPU and peak memory where `RECKON_WARM_REPORT` asks (`watched_changes.report`),
    with the command's arguments in a file."""
    import resource

    from ingest.watched_changes import report

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = own.ru_utime + children.ru_utime, own.ru_stime + children.ru_stime
    report(f"warm process's child: {user + system:.2f} s CPU ({user:.2f} user + {system:.2f} system, its own "
           f"children included), peak {max(own.ru_maxrss, children.ru_maxrss) // 1024} MB, "
           f"{own.ru_minflt + children.ru_minflt:,} page faults",
           in_file=f": reckon {' '.join(argv)}")


def _run(argv: list[str]) -> int:
    """`reckon argv` as `main` runs it, with SystemExit's status as a plain number."""
    from reckon.cli import main

    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    if status is None:
        return 0
    if isinstance(status, int):
        return status
    print(status, file=sys.stderr)
    return 1


if __name__ == "__main__":  # started by `warm_client._start`: python -m reckon.warm_server SOCKET SYS_PATH
    sys.path[:] = json.loads(sys.argv[2])
    serve(Path(sys.argv[1]), float(os.environ.get("RECKON_WARM_IDLE", IDLE_SECONDS)))
