"""Staff writing at the same moment, over HTTP: for the tests of concurrent writers behind one
process pair (tests/test_concurrent_writers.py) and behind nginx (tests/test_front_door.py).

Each runner holds every client at a barrier until all have their forms, so the posts really race.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.helpers.staff import FORM, csrf_of, version_of


def submit_at_once(client_for: Callable[[int], httpx.Client], writers: int, each: int,
                   label: str) -> tuple[list[str], Counter]:
    """`writers` clients each open `each` new-narrative forms, then all post them at once (every
    other one submitted for review): the titles sent and the count of each answer's status."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(writers)

    def writer(n: int) -> list[str]:
        client = client_for(n)
        forms = [csrf_of(client.get("/staff/narratives/new").text) for _ in range(each)]
        barrier.wait()  # everyone posts at the same moment
        titles = []
        for i, token in enumerate(forms):
            title = f"{label} {n}-{i}"
            answer = client.post("/staff/narratives/new", data=FORM | {
                "title": title, "csrf_token": token, "then": "submit" if i % 2 else "save"})
            with lock:
                statuses[answer.status_code] += 1
            titles.append(title)
        client.close()
        return titles

    with ThreadPoolExecutor(writers) as pool:
        sent = [title for titles in pool.map(writer, range(writers)) for title in titles]
    return sent, statuses


def save_stale_edits_at_once(editors: list[httpx.Client], label: str) -> tuple[str, list[httpx.Response]]:
    """The first editor saves a new draft; every editor opens its edit form at that one version,
    then all save at once, each with the title `{label} {n}`: the draft's id and the answers."""
    owner = editors[0]
    page = owner.get("/staff/narratives/new")
    created = owner.post("/staff/narratives/new", data=FORM | {"csrf_token": csrf_of(page.text), "then": "save"})
    sub_id = str(created.url).rstrip("/").rsplit("/", 1)[-1]
    forms = [client.get(f"/staff/narratives/{sub_id}/edit").text for client in editors]
    assert len({version_of(form) for form in forms}) == 1
    barrier = threading.Barrier(len(editors))

    def save(n: int) -> httpx.Response:
        barrier.wait()
        return editors[n].post(f"/staff/narratives/{sub_id}/edit", data=FORM | {
            "title": f"{label} {n}", "csrf_token": csrf_of(forms[n]), "version": version_of(forms[n]),
            "then": "save"})

    with ThreadPoolExecutor(len(editors)) as pool:
        return sub_id, list(pool.map(save, range(len(editors))))
