"""One pure computation run in a forked process beside the main one (the build's and the
first ingest's: ingest/readers/markdown_folders.py, ingest/tagging.py).

At 100,000 records the static search index (~10 s of CPU) is made from the record views
while two render workers write record pages and the main process makes the other aggregate
outputs. All three used to wait on the main process in turn: after the workers finished, it
went on alone with one core idle. Forked (not spawned), the child shares the views as they
are without pickling them; only its result (bytes, a few tens of MB) comes back through a
pipe. The computation must be pure: what the child changes in its memory is lost.

A failure in the child is raised in the parent as itself (with the child's traceback as a
note) when the exception survives pickling, as most do (an `OSError` for a full disk keeps its
errno and file name, which the CLI words for the user); one that does not is raised as
`SideError`, carrying the traceback as text. Either way, the same failure as when the function
runs here.

A child whose parent dies (a killed build) gets EPIPE writing its result and exits; one whose
result is no longer wanted is killed by `close()`. Without fork (or for small inputs) the
function simply runs in this process, with the same result.

It forks only where forking is safe (`archive.fork_safety.can_fork`: no other thread in the
process, native ones included). A fork copies only the calling thread, and a lock another
thread held stays held in the child: a staff server (its worker threads; PyAV's after a
recording) publishing a withdrawal would otherwise risk a child hung for good and a public
copy never updated. There the computation runs here, on one core, with the same result.
"""

from __future__ import annotations

import os
import pickle
import signal
import traceback
from collections.abc import Callable
from typing import Generic, TypeVar

from archive.fork_safety import can_fork

T = TypeVar("T")


class SideError(RuntimeError):
    """The computation failed in the forked process; the message carries its traceback."""


class SideResult(Generic[T]):
    """`make()` computed in a forked child (when `fork` is true and forking is safe), or here."""

    def __init__(self, make: Callable[[], T], fork: bool = True):
        self.pid: int | None = None
        self._fd: int | None = None
        self._value: tuple[T] | None = None
        if not (fork and can_fork()):
            self._value = (make(),)
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, and leave without running the parent's cleanup
            code = 0
            try:
                os.close(read)
                with os.fdopen(write, "wb") as pipe:
                    try:
                        value = (True, make())
                    except BaseException as exc:  # noqa: BLE001 - every failure is reported to the parent
                        value, code = (False, _portable(exc)), 1
                    # Pickled into the pipe as it goes: no second copy of a result of hundreds of MB.
                    pickle.dump(value, pipe, pickle.HIGHEST_PROTOCOL)
            except BaseException:  # noqa: BLE001 - the parent is gone (EPIPE) or the pipe broke
                code = 2
            finally:
                os._exit(code)
        os.close(write)
        self.pid, self._fd = pid, read

    def result(self) -> T:
        """The computation's value (waiting for the child); its failure raised as itself, or
        as SideError when it could not cross the pipe."""
        if self._value is None:
            assert self._fd is not None and self.pid is not None
            with os.fdopen(self._fd, "rb") as pipe:
                self._fd = None
                try:  # read as it is unpickled: the result without a copy of its pickle beside it
                    ok, value = pickle.load(pipe)
                except (EOFError, pickle.UnpicklingError, ValueError) as error:
                    ok, value = None, error
                except BaseException:
                    # Interrupted while reading (Ctrl-C): the child would block writing into a
                    # pipe no one reads, and the wait below would never end.
                    _kill(self.pid)
                    raise
                finally:
                    _, status = os.waitpid(self.pid, 0)
                    self.pid = None
            if ok is None:
                raise SideError(f"the forked process ended without a result (wait status {status}): {value}")
            if not ok:
                if isinstance(value, BaseException):
                    raise value
                raise SideError(f"the forked process failed:\n{value}")
            self._value = (value,)
        return self._value[0]

    def close(self) -> None:
        """Stop the child if its result was never taken (the build failed meanwhile)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self.pid is not None:
            _kill(self.pid)
            os.waitpid(self.pid, 0)
            self.pid = None


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _portable(exc: BaseException) -> BaseException | str:
    """The child's exception as the parent will raise it: itself, with where it was raised as a
    note (the traceback is lost with the process), when it pickles and unpickles whole; else
    its traceback as text (`SideError`)."""
    text = traceback.format_exc()
    try:
        exc.add_note(text)
        return pickle.loads(pickle.dumps(exc, pickle.HIGHEST_PROTOCOL))
    except Exception:  # noqa: BLE001 - any exception may fail to pickle, each in its own way
        return text
