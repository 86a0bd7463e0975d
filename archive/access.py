"""The one visibility rule: may this viewer see this object today, and in which form?

Every reader of the store (site build, API, search indexing, feeds, exports) asks
`visibility()`; none re-implements it. It is the publication gate of shared/CONSENT.md in
its first form: access level, embargo date, and, for narratives, a release on file and a
consent decision that covers online publication and has not been withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from archive.models import ConsentEntry, Narrative


class Level(StrEnum):
    PUBLIC = "public"
    STAFF = "staff"
    RESTRICTED = "restricted"
    EMBARGOED = "embargoed"
    WITHDRAWN = "withdrawn"


class Role(StrEnum):
    PUBLIC = "public"
    CONTRIBUTOR = "contributor"
    CURATOR = "curator"
    ADMIN = "admin"


class Form(StrEnum):
    WHOLE = "whole"          # everything, including staff-only fields
    REDACTED = "redacted"    # the public form: redactions applied, private fields removed
    TOMBSTONE = "tombstone"  # withdrawn: only the fact of withdrawal may be shown
    HIDDEN = "hidden"        # nothing at all, not even that it exists


@dataclass(frozen=True)
class Viewer:
    role: Role = Role.PUBLIC
    username: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role is not Role.PUBLIC

    @property
    def is_curator(self) -> bool:
        return self.role in (Role.CURATOR, Role.ADMIN)


PUBLIC = Viewer()


@dataclass(frozen=True)
class Visibility:
    form: Form
    reason: str = ""

    @property
    def visible(self) -> bool:
        return self.form in (Form.WHOLE, Form.REDACTED)


PUBLISH_TEXT = "publish-text"
PUBLISH_MEDIA = "publish-media"  # the consent use that covers publishing the recording
WITHDRAWN_MESSAGE = "This testimony was withdrawn at the narrator's request."


def consent_decision(consent: Sequence[ConsentEntry], use: str) -> bool | None:
    """The latest decision for one use, or None when none was ever recorded."""
    decisions = [c.granted for c in sorted(consent, key=lambda c: c.position) if c.use == use]
    return decisions[-1] if decisions else None


def consent_withdrawn(consent: Sequence[ConsentEntry]) -> bool:
    """Consent once given for online publication and later revoked."""
    decisions = [c.granted for c in sorted(consent, key=lambda c: c.position) if c.use == PUBLISH_TEXT]
    return bool(decisions) and decisions[-1] is False and True in decisions


def _embargo_over(embargo_until: str | None, today: date) -> bool:
    return embargo_until is not None and today >= date.fromisoformat(embargo_until)


def visibility(
    obj: object,
    viewer: Viewer,
    today: date,
    consent: Sequence[ConsentEntry] = (),
) -> Visibility:
    """Decide what `viewer` may see of `obj` on `today`.

    `consent` is the narrative's consent history; other objects have none.
    """
    if getattr(obj, "deleted", False):
        return Visibility(Form.WHOLE if viewer.role is Role.ADMIN else Form.HIDDEN, "deleted")
    level = Level(getattr(obj, "access", Level.PUBLIC))
    is_narrative = isinstance(obj, Narrative)

    if level is Level.WITHDRAWN or (is_narrative and consent_withdrawn(consent)):
        if viewer.is_curator:
            return Visibility(Form.WHOLE, "withdrawn")
        return Visibility(Form.TOMBSTONE, WITHDRAWN_MESSAGE)

    if viewer.is_staff:
        if level is Level.RESTRICTED and not viewer.is_curator:
            return Visibility(Form.HIDDEN, "restricted to curators")
        return Visibility(Form.WHOLE)

    if level in (Level.STAFF, Level.RESTRICTED):
        return Visibility(Form.HIDDEN, f"{level.value} only")
    if level is Level.EMBARGOED and not _embargo_over(getattr(obj, "embargo_until", None), today):
        return Visibility(Form.HIDDEN, "embargoed")
    if is_narrative:
        if not obj.release_signed:
            return Visibility(Form.HIDDEN, "no release on file")
        if consent_decision(consent, PUBLISH_TEXT) is not True:
            return Visibility(Form.HIDDEN, "consent does not cover online publication")
        return Visibility(Form.REDACTED)
    return Visibility(Form.WHOLE)


def media_visibility(
    narrative: Narrative,
    viewer: Viewer,
    today: date,
    consent: Sequence[ConsentEntry] = (),
) -> Visibility:
    """Decide whether `viewer` may hear or see the recordings of `narrative` on `today`: only
    where the narrative itself may be seen and, for the public, consent covers publishing its
    audio or video and has not been withdrawn (the latest `publish-media` decision grants it)."""
    vis = visibility(narrative, viewer, today, consent)
    if not vis.visible or vis.form is Form.WHOLE:
        return vis
    if consent_decision(consent, PUBLISH_MEDIA) is not True:
        return Visibility(Form.HIDDEN, "consent does not cover publishing the recording")
    return vis
