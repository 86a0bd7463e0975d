"""What the passing of days alone changes in what the public may see: embargoes that end.

The access rule (`archive.access`) judges an embargo against the day it is asked on, so when
the day moves on with no write to the store, an object can become public (or, when a preview
date, `RECKON_TODAY`, goes back, hidden again). The site's patch and the search indexes'
update both asked "did the date change?" and then compared every object: at 100,000 records
the first publish of each day took minutes. Both now ask this module which objects' embargo
lies between the two days, and treat them as written.
"""

from __future__ import annotations

from sqlmodel import Session, select

from archive import models as m

EMBARGOED_KINDS = {"record": m.Record, "narrative": m.Narrative, "harm": m.Harm, "timeline": m.Timeline}


def embargoes_ending(session: Session, before: str, now: str, kinds=tuple(EMBARGOED_KINDS)) -> dict[str, set[str]]:
    """Kind → ids of the objects whose `embargo_until` (an ISO day) lies after the earlier of
    the two days and on or before the later: the ones whose embargo the access rule now judges
    the other way."""
    low, high = sorted((before, now))
    found: dict[str, set[str]] = {}
    for kind in kinds:
        table = EMBARGOED_KINDS[kind]
        ids = set(session.exec(select(table.id).where(table.embargo_until > low, table.embargo_until <= high)))
        if ids:
            found[kind] = ids
    return found
