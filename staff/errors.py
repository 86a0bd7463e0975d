"""The staff app's one answer to a domain error (the library raises, the edge formats it).

Which status a refusal gets is decided here and nowhere else: a missing object is 404 and a
role or ownership that does not reach is 403, both on the error page, since there is nothing
to go back to; a save that lost a race (a stale edit) is 409 and any other refusal 400, both on
the page the user was on, with what they typed and the reason beside it. The token API
(staff/api.py) uses the same statuses in the API's JSON shape.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from archive.errors import Forbidden, NotFound, ReckoningError, StaleEdit
from archive.ledger_edits import StaleHarm
from archive.models import User
from staff.pages import error_page

# The page to show again: given the status and the error, the user's own form or view.
Again = Callable[[int, ReckoningError], Response]

ERROR_PAGES = {NotFound: (404, "Not found"), Forbidden: (403, "Not allowed")}
STALE = (StaleEdit, StaleHarm)


def status_of(exc: ReckoningError) -> int:
    for kind, (status, _title) in ERROR_PAGES.items():
        if isinstance(exc, kind):
            return status
    return 409 if isinstance(exc, STALE) else 400


def refused(request: Request, user: User, exc: ReckoningError, again: Again | None = None) -> Response:
    """The page for `exc`: the error page for 404 and 403, else `again(status, exc)`.

    Without `again` (the role guard, which has no form to show) a 400 or 409 refusal is raised
    on, to the app's error handlers.
    """
    for kind, (status, title) in ERROR_PAGES.items():
        if isinstance(exc, kind):
            return error_page(request, status, title, str(exc), user=user)
    if again is None:
        raise exc
    return again(status_of(exc), exc)
