"""The content folder watched by the kernel, for the warm process: which files may have changed
since a given moment, so that an ingest stats those few instead of every file.

At 100,000 records the stat of every content file was a third of a one-record `reckon ingest`
(~0.3 s of ~1.5 s). The warm process (`reckon/warm_server.py`) lives across commands, so it can
keep an inotify watch on the content folders its commands ingest, as watchman and git's
fsmonitor do, and tell each ingest which paths saw an event (`ingest.watched_changes` asks).

Why an answer can be trusted: each answer carries the watch's `generation` (one unbroken watch)
and a sequence number `seq`; every event read gets the sequence number current when it is read,
and the number moves on with each answer. An ingest keeps the `(generation, seq)` of the answer
it was given in the store, with the stats it took *after* asking. So a file that changed after
that ingest asked has an event numbered `seq` or later, and a file with no such event is as the
store keeps it (a file changed before the ask was statted after it). The next ingest asks for
the paths with events since the kept number and stats only those.

Nothing is trusted that the kernel may not report. The watch is given up (the generation ends,
and the next ingest stats every file, as without a warm process) when:
- the kernel's event queue overflowed;
- a folder was made, removed or moved in the content (its files are walked whole by a full scan;
  the new folder is watched from then on);
- a watched folder itself went (deleted, moved, unmounted);
- the content holds a symbolic link (its target is not watched), found by the walk or made later;
- too many paths changed to keep (`MAX_CHANGED`).
It is never begun on a file system whose changes may come from another machine (only the local
ones in `LOCAL_FILE_SYSTEMS`). A file with a second hard link can be changed through a folder not
watched: the ingest's own stats see any link count above one and fall back to a full scan
(`ingest.watched_changes`). What inotify cannot see at all (a hard link made later from outside
the content folder and a change made through it; a file changed by another machine's kernel) is
stated in docs/operations.md, with `RECKON_WATCH=off`.
"""

from __future__ import annotations

import os
import secrets
import stat

from inotify_simple import INotify
from inotify_simple import flags as Flags

from ingest.changed_files import SKIP_FOLDERS

MASK = (Flags.MODIFY | Flags.ATTRIB | Flags.CLOSE_WRITE | Flags.CREATE | Flags.DELETE | Flags.MOVED_FROM
        | Flags.MOVED_TO | Flags.DELETE_SELF | Flags.MOVE_SELF | Flags.DONT_FOLLOW | Flags.ONLYDIR)
GONE = Flags.DELETE_SELF | Flags.MOVE_SELF | Flags.UNMOUNT | Flags.IGNORED  # a watched folder went
MADE = Flags.CREATE | Flags.MOVED_TO
# File systems whose every change passes through this kernel. overlay (a container's own files):
# changes made through the overlay, as a container makes them; not those made to its layers
# from outside it.
LOCAL_FILE_SYSTEMS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "f2fs", "jfs", "bcachefs", "zfs",
                                "overlay"})
MAX_CHANGED = 200_000  # paths kept between ingests; past it the watch begins again (a full scan)


class ContentWatch:
    """One content folder under inotify. `changed_since` is the only question it answers."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.generation: str | None = None  # None: not watched now; `reason` says why
        self.reason = ""
        self.seq = 0
        self.changed: dict[str, int] = {}  # path -> seq of its last event
        self._inotify: INotify | None = None
        self._folders: dict[int, str] = {}  # watch descriptor -> folder
        self._begin()

    def close(self) -> None:
        if self._inotify is not None:
            self._inotify.close()
            self._inotify = None
        self._folders.clear()

    def changed_since(self, since: tuple[str, int] | None) -> tuple[str | None, int, list[str] | None, str]:
        """(generation, seq, paths, reason): the paths with events numbered `since[1]` or later
        when `since` names this generation, else None (every file must be statted); the caller
        keeps `(generation, seq)` with the stats it takes after this answer."""
        self._read_events()
        gave_up = self.reason if self.generation is None else ""
        if self.generation is None:
            self._begin()  # given up: watched afresh, and this ingest stats every file
        self.seq += 1
        if self.generation is None:
            return None, self.seq, None, self.reason
        if since is None or since[0] != self.generation:
            return self.generation, self.seq, None, gave_up or "the store's stats were not taken under this watch"
        return self.generation, self.seq, sorted(p for p, n in self.changed.items() if n >= since[1]), ""

    def _begin(self) -> None:
        """A new generation: every folder of the content watched afresh, nothing changed yet."""
        self.close()
        self.changed.clear()
        self.generation = None
        self.reason = _not_local(self.folder)
        if self.reason:
            return
        self._inotify = INotify()
        try:
            self.reason = self._watch_tree()
        except OSError as exc:  # e.g. the kernel's limit of watches reached
            self.reason = f"cannot watch {self.folder}: {exc}"
        if self.reason:
            self.close()
            return
        self.generation = secrets.token_hex(8)

    def _watch_tree(self) -> str:
        """Watch every folder (as `changed_files._walk` walks them); a reason when it cannot."""
        folders = [self.folder]
        while folders:
            folder = folders.pop()
            assert self._inotify is not None
            self._folders[self._inotify.add_watch(folder, MASK)] = folder
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.is_symlink():
                        return f"{entry.path} is a symbolic link: its target is not watched"
                    if entry.is_dir(follow_symlinks=False) and entry.name not in SKIP_FOLDERS:
                        folders.append(entry.path)
        return ""

    def _give_up(self, reason: str) -> None:
        self.close()
        self.changed.clear()
        self.generation, self.reason = None, reason

    def _read_events(self) -> None:
        """Every event queued so far, numbered `seq` (events of earlier asks are in already)."""
        if self._inotify is None:
            return
        for event in self._inotify.read(timeout=0):
            if event.mask & Flags.Q_OVERFLOW:
                return self._give_up("the kernel's event queue overflowed")
            folder = self._folders.get(event.wd)
            if folder is None:
                continue  # a watch already removed
            if event.mask & GONE:
                return self._give_up(f"{folder} was removed, moved or unmounted")
            if event.mask & Flags.ISDIR:
                if event.name in SKIP_FOLDERS:
                    continue  # version control's own folder: never content
                return self._give_up(f"a folder was made, removed or moved in {folder}")
            path = os.path.join(folder, event.name)
            if event.mask & MADE and _is_link(path):
                return self._give_up(f"{path} is a symbolic link: its target is not watched")
            self.changed[path] = self.seq
        if len(self.changed) > MAX_CHANGED:
            self._give_up(f"more than {MAX_CHANGED} paths changed")
        return None


def _is_link(path: str) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False  # gone again: its removal is an event of its own


def _not_local(folder: str) -> str:
    """Why the folder's file system cannot be watched ("" when it can): only local file systems,
    whose every change passes through this kernel."""
    if not os.path.isabs(folder) or not os.path.isdir(folder):
        return f"{folder} is not an absolute path to a folder"
    kind = _file_system(os.path.realpath(folder))
    if kind not in LOCAL_FILE_SYSTEMS:
        return f"{folder} is on a {kind or 'unknown'} file system, whose changes may not pass through this kernel"
    return ""


def _file_system(path: str) -> str:
    """The type of the file system mounted deepest above `path` (/proc/self/mountinfo)."""
    best, kind = "", ""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as mounts:
            for line in mounts:
                fields = line.split()
                mount_point = fields[4].replace("\\040", " ")
                fs_type = fields[fields.index("-") + 1]
                if (path == mount_point or path.startswith(mount_point.rstrip("/") + "/")) \
                        and len(mount_point) >= len(best):
                    best, kind = mount_point, fs_type
    except (OSError, ValueError, IndexError):
        return ""
    return kind
