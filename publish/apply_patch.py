"""Publishing a patched rebuild (`publish.incremental`) through the two buffers (`publish.buffers`).

It is the same double buffering as a full build's, at the cost of the change: the standby gets
this build's changed files plus what it lacked of the live build (its manifest's `missing`,
hard-linked from the live buffer: files are only ever replaced, never written through), then
the symlink flips, then the retired buffer drops what changed. Only the manifest shards holding
a changed path are read and written (`publish.site_manifest`; the whole map of 200,000 keys is
20 MB). Every manifest write is preceded by an "applying" mark, so a kill at any moment leaves
the live site whole and makes the next build remake the standby.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache

from archive.settings import Settings
from publish import spent
from publish.buffers import (
    flip,
    link_or_copy,
    live_buffer,
    move_into,
    remove,
    replace_from,
    staging,
    standby_buffer,
)
from publish.jinja.frame_inline import compiled_with
from publish.page import Page
from publish.render_workers import start_pages
from publish.site_manifest import (
    MANIFEST_VERSION,
    mark_applying,
    read_header,
    read_shards,
    shard_of,
    shard_path,
    stage_shards,
    write_header,
)

MAX_CATCH_UP = 20_000  # files the standby may lack and be copied from the live buffer
# Files to render before a patch forks workers: ~250 pages are ~0.3 s of rendering, where the
# fork (~0.03 s, from the warm process's child) pays; 100 changed records make ~730 files at
# 100,000 records, and a full build's threshold (2,000) left the second core idle for them.
PARALLEL_FROM = 250


class Unpatchable(Exception):
    """No patching this time: the full comparison runs instead; the message says why."""


@dataclass
class LiveSite:
    """The two buffers as a patched rebuild finds them: the live one with its manifest header
    (`head`, holding the `state` its full build left) and the standby with its own (`spare`)."""

    live: Path
    standby: Path
    head: dict
    spare: dict

    @property
    def state(self) -> dict:
        return self.head["state"]


def patchable_site(public_dir: Path) -> LiveSite:
    """The buffers, when the standby is the live build less a few files it can take from it."""
    live = live_buffer(public_dir)
    if live is None:
        raise Unpatchable("no double-buffered site yet")
    standby = standby_buffer(public_dir, live)
    head, spare = read_header(live), read_header(standby)
    if head is None or spare is None:
        raise Unpatchable("a buffer without a readable manifest")
    state = head.get("state")
    if head.get("version") != MANIFEST_VERSION or head.get("applying") or not state:
        raise Unpatchable("the live build left no state for a patched rebuild")
    if spare.get("version") != MANIFEST_VERSION or spare.get("applying") or spare.get("base") != state["token"] \
            or spare.get("missing_iiif") or len(spare.get("missing", [])) > MAX_CATCH_UP:
        raise Unpatchable("the standby is not the live build less a few files")
    return LiveSite(live, standby, head, spare)


@dataclass
class Plan:
    """What publishing a patch does to the two buffers."""

    changed: dict[str, str | None]  # path: its new key, for each file that differs (None: it goes)
    todo: list[Page]  # the files to write
    lacking: list[str]  # the files the standby lacks of the live build, linked from the live buffer
    live_shards: dict[str, dict[str, str]]  # the manifest shards touched, as the live build has them
    state: dict  # this build's state: the live build's, with its own token and page count


def publish_patch(settings: Settings, env: Environment, site: LiveSite, pages: list[Page],
                  keys: dict[str, str | None], state: dict | None = None) -> Plan:
    """Bring the standby to this build (`pages` rendered where their key, in `keys`, differs
    from the live build's; a key of None deletes its file), flip to it, and trim the buffer
    just retired to a subset of the live one. Nothing is written when no key differs.
    `state`: values of the build's state this build changed (the feed's entries, counts)."""
    plan = _plan(site, pages, keys)
    plan.state.update(state or {})
    if plan.changed:
        _cache_compiled_templates(env, settings)
        _update_standby(env, site, plan)
        flip(settings.public_dir, site.standby)
        _retire(site, plan, spent.hold(settings.public_dir))
        spent.empty_later(settings.public_dir)
    return plan


def _plan(site: LiveSite, pages: list[Page], keys: dict[str, str | None]) -> Plan:
    missing = site.spare.get("missing", [])
    # The only manifest shards that differ between the live build, the standby and this build:
    # those holding a path this build changes or the standby lacks.
    live_shards = read_shards(site.live, sorted({shard_of(p) for p in keys} | {shard_of(p) for p in missing}))
    if live_shards is None:
        raise Unpatchable("a manifest shard of the live buffer cannot be read")
    changed = {p: k for p, k in keys.items() if _key_in(live_shards, p) != k}
    lacking = [p for p in missing if p not in changed and _key_in(live_shards, p) is not None]
    added = sum(1 for p, k in changed.items() if k is not None and _key_in(live_shards, p) is None)
    gone = sum(1 for k in changed.values() if k is None)
    # Names this build: the build it patched and what it changed (deterministic, like the full build's).
    token = hashlib.blake2b(json.dumps([site.state["token"], sorted(changed.items())]).encode(),
                            digest_size=16).hexdigest()
    state = {**site.state, "token": token, "pages": site.state["pages"] + added - gone}
    return Plan(changed, [page for page in pages if page.path in changed], lacking, live_shards, state)


def _key_in(shards: dict[str, dict[str, str]], path: str) -> str | None:
    return shards[shard_of(path)].get(path)


def _cache_compiled_templates(env: Environment, settings: Settings) -> None:
    """Compiled templates kept beside the site (keyed by their source, in a folder per set of
    frame links inlined into them): compiling record.html and its includes afresh would be a
    good part of a one-record rebuild."""
    folder = settings.build_cache_dir / "templates" / compiled_with(env)
    folder.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = FileSystemBytecodeCache(str(folder))


def _update_standby(env: Environment, site: LiveSite, plan: Plan) -> None:
    """The standby becomes this build: its changes, plus the files it lacked of the live build."""
    shards = {name: dict(shard) for name, shard in plan.live_shards.items()}
    for path, key in plan.changed.items():
        if key is None:
            shards[shard_of(path)].pop(path, None)
        else:
            shards[shard_of(path)][path] = key
    with staging(site.standby) as stage:
        # Staged under flat names: a folder made in the stage, then removed, for each file (most
        # changed files have a folder of their own) was a tenth of publishing 100 changes.
        names = [str(n) for n in range(len(plan.todo) + len(plan.lacking))]
        rendering = start_pages(env, [replace(page, path=name) for page, name
                                      in zip(plan.todo, names[:len(plan.todo)], strict=True)], stage, PARALLEL_FROM)
        try:  # while forked workers render (from PARALLEL_FROM pages), this process stages the rest
            for path, name in zip(plan.lacking, names[len(plan.todo):], strict=True):
                link_or_copy(site.live / path, stage / name)
            shard_paths, shard_names, empty_shards = stage_shards(stage, shards)
        except BaseException:
            rendering.stop()
            raise
        rendering.wait()
        mark_applying(site.standby)
        move_into(stage, site.standby, [page.path for page in plan.todo] + plan.lacking + shard_paths,
                  names + shard_names)
        remove(site.standby, [p for p, k in plan.changed.items() if k is None] + empty_shards, [])
        write_header(site.standby, {"version": MANIFEST_VERSION, "iiif": site.head.get("iiif", {}),
                                    "state": plan.state})


def _retire(site: LiveSite, plan: Plan, holder: Path) -> None:
    """The buffer just retired is brought to this build too: each file this build wrote is
    linked in from the new live buffer over its old self (one rename each: a reader still
    holding the old file keeps it), each file it deleted is deleted; its manifest then says it
    lacks nothing, so the next patched rebuild has nothing to catch up. The old selves are
    held in `holder` (`publish.spent`: deleted after the command answers, not freed here)."""
    written = [p for p, k in plan.changed.items() if k is not None]
    gone = [p for p, k in plan.changed.items() if k is None]
    # The standby's manifest shards of these paths hold what the retired buffer's must now:
    # linked like the files, not encoded and written again (~470 of ~5 KB for 100 changed
    # records); a shard the standby has no file for is empty, and goes.
    shards = [shard_path(name) for name in sorted({shard_of(p) for p in plan.changed})]
    linked = [path for path in shards if (site.standby / path).exists()]
    mark_applying(site.live)
    replace_from(site.standby, site.live, written + linked, holder)
    remove(site.live, gone + [path for path in shards if path not in linked], [])
    write_header(site.live, {"version": MANIFEST_VERSION, "iiif": site.head.get("iiif", {}),
                             "base": plan.state["token"], "missing": [], "missing_iiif": []})
