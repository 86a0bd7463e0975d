"""The warm process: `reckon`'s code loaded once, forked afresh for each command (the caller's side).

Why: at 100,000 records a one-record `reckon ingest` spent about a second of its ~2.7 s importing
SQLAlchemy, SQLModel, pydantic, the tables, Jinja and the site's code before it read one file, and
a command-line tool keeps nothing between runs. So the `reckon` command hands its command to a
process of the same installation that already holds those imports and forks one child per
command. The child is a fresh process in everything a command can see: nothing of an earlier
command is in it (each child starts from the warm process's state, which never runs a command),
and it takes the caller's arguments, working folder, environment, umask and standard streams (the
file descriptors themselves, passed over the socket); its exit status is the command's.

What a caller cannot hand over decides *which* warm process serves it: the interpreter, its
import path and flags, the environment it read as it started (`PYTHON*`, the locale), the
user, the niceness, the resource limits and the cgroup are hashed into the socket's name, so
`nice reckon build` or a command under `ulimit -f` is served by a warm process started under the
same conditions, never by one with other limits.

- **Started by the first command that finds none**, in the background (a new session, no
  terminal); that command runs itself as before, so nothing waits for the start.
- **Never stale:** before each fork it compares the stat of every module file it loaded, and of
  every source file of ours, with what it loaded; after an upgrade or an edit it refuses, exits,
  and the command runs itself.
- **Ends by itself** after `RECKON_WARM_IDLE` seconds (default 900) without a command.
- **Private:** its socket lives in a folder only the user may enter (`$XDG_RUNTIME_DIR`, else
  `/tmp/reckon-UID`, refused if another user could write it), and it serves only callers of its
  own user id (`SO_PEERCRED`).
- `RECKON_WARM_REPORT=1` makes the child print its CPU time and peak memory at the end.
- `RECKON_WARM=off` turns it off; `RECKON_WARM=require` makes a command fail when it cannot be
  served warm (for tests and benchmarks). Linux only; elsewhere commands run themselves.

Ctrl-C and termination signals reaching the `reckon` command are passed on to the child. What
`time` or a process monitor shows for the `reckon` command is the caller's own small share; the
child's CPU and memory are the child's (see docs/internals/layout.md "The warm process").

This module is the caller's side, imported by every `reckon` command: its top imports only the
standard library's cheapest modules. The warm process itself is `reckon/warm_server.py`.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import stat
import struct
import sys
from contextlib import suppress

WARM_COMMANDS = frozenset({"ingest", "build", "index", "check", "audit", "search", "tags", "redactions",
                           "export", "verify", "import"})
"""Commands worth a warm start: they import the store's code. `serve` runs its own long-lived
server, `user` reads a password from the terminal, and help needs nothing loaded."""

SOCKET_PATH_MAX = 100  # Linux takes 107 bytes; the warm process binds a name a few longer first
FRAME = struct.Struct("!ci")  # one message from the warm process: a tag and a number
LENGTH = struct.Struct("!I")


class WarmUnavailable(RuntimeError):
    """`RECKON_WARM=require` and the command could not be served warm: why."""


def run_warm(argv: list[str]) -> int | None:
    """The command's exit status when the warm process ran it; None when it did not (the
    caller runs the command itself; a missing warm process is started for the next command)."""
    mode = os.environ.get("RECKON_WARM", "on")
    if mode == "off" or _command(argv) not in WARM_COMMANDS:
        return None
    try:
        for fd in (0, 1, 2):  # handed over as they are: a closed one cannot be
            os.fstat(fd)
        request = _request(argv)  # the working folder may be gone
        place = _place()
        connection = _connect(place)
    except OSError as exc:
        if mode == "require":
            raise WarmUnavailable(str(exc)) from exc
        return None
    if connection is None:
        _start(place)
        if mode == "require":
            raise WarmUnavailable(f"no warm process answered at {place}; one is starting")
        return None
    with connection:
        try:
            socket.send_fds(connection, [LENGTH.pack(len(request))], [0, 1, 2])
            connection.sendall(request)
        except OSError:  # it left (or refused) before a child took the command: nothing ran
            status = None
        else:
            status = _wait(connection)
    if status is None and mode == "require":
        raise WarmUnavailable("the warm process refused the command (its code changed); a new one is starting")
    if status is None:
        _start(place)
    return status


def _command(argv: list[str]) -> str | None:
    """The subcommand's name in `reckon [--home H] COMMAND ...`, None for help or an error."""
    rest = iter(argv)
    for word in rest:
        if word == "--home":
            next(rest, None)
        elif not word.startswith("--home="):
            return None if word.startswith("-") else word
    return None


def _place() -> str:
    """The socket of the warm process that may serve this caller: in a folder only this user can
    enter, named after everything a caller cannot hand over to it. (Paths as strings: pathlib
    was a third of this module's import time, paid by every command.)"""
    import resource

    base = os.environ.get("XDG_RUNTIME_DIR") or os.environ.get("TMPDIR") or "/tmp"
    folder = os.path.join(base, f"reckon-{os.getuid()}")
    with suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise PermissionError(f"{folder} is not a folder that only this user may enter; not using a warm process")
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as file:
            cgroup = file.read()
    except OSError:
        cgroup = ""
    limits = [resource.getrlimit(getattr(resource, name)) for name in sorted(dir(resource)) if name.startswith("RLIMIT_")]
    startup = sorted((k, v) for k, v in os.environ.items()  # what the interpreter read as it started
                     if k.startswith("PYTHON") or k in ("LANG", "LC_ALL", "LC_CTYPE"))
    identity = json.dumps([sys.executable, sys.path, repr(sys.flags), sys.warnoptions, startup, os.getuid(),
                           os.getpriority(os.PRIO_PROCESS, 0), cgroup, limits])
    place = os.path.join(folder, f"warm-{hashlib.sha256(identity.encode()).hexdigest()[:20]}.sock")
    if len(os.fsencode(place)) > SOCKET_PATH_MAX:  # bind would fail: do not start one that cannot listen
        raise OSError(f"{folder} is too long a path for a socket; set XDG_RUNTIME_DIR to a shorter folder")
    return place


def _connect(place: str) -> socket.socket | None:
    if not sys.platform.startswith("linux"):
        raise OSError("a warm process needs Linux (SO_PEERCRED and descriptor passing)")
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(place)
    except (FileNotFoundError, ConnectionRefusedError):
        connection.close()
        return None
    return connection


def _request(argv: list[str]) -> bytes:
    """What the child takes from this process (its streams go beside it, as descriptors)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask}).encode()


def _wait(connection: socket.socket) -> int | None:
    """The command's status, passing signals on to the child meanwhile. None when the warm
    process refused before forking."""
    child: list[int] = []
    passed: list[int] = []  # signals passed on (or to pass on once the child is known)

    def pass_on(signum, _frame) -> None:
        passed.append(signum)
        if child:
            with suppress(ProcessLookupError):
                os.kill(child[0], signum)

    kept = {signum: signal.signal(signum, pass_on) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        while (frame := read_exactly(connection, FRAME.size)) is not None:
            tag, number = FRAME.unpack(frame)
            if tag == b"S":  # stale: the warm process changed code and is leaving
                return None
            if tag == b"P":
                child.append(number)
                for signum in passed:
                    with suppress(ProcessLookupError):
                        os.kill(number, signum)
            elif tag == b"X":
                return number
    finally:
        for signum, handler in kept.items():
            signal.signal(signum, handler)
    if not child:
        return None
    if passed:  # ended by the signal passed on, as the command itself would have been
        return 128 + passed[-1]
    print("error: the command's process ended without an exit status (was it killed?)", file=sys.stderr)
    return 1


def read_exactly(connection: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            part = connection.recv(size - len(data))
        except InterruptedError:
            continue
        if not part:
            return None
        data += part
    return data


def _start(place: str) -> None:
    """A warm process for the next command, in the background, detached from this one."""
    import subprocess

    try:
        subprocess.Popen([sys.executable, "-m", "reckon.warm_server", place, json.dumps(sys.path)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True, cwd="/")
    except OSError:
        pass  # the command runs itself all the same
