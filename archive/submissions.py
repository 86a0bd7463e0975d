"""A narrative as staff submit it: the working copy that review and publishing act on.

A submission is not a Narrative: nothing of it exists in the store's public tables until a
curator publishes it, so a draft can never reach a public output whatever the access rule
says. Publishing writes (and later re-syncs) the Narrative row and its consent log.

`validate()` is the one check of submitted values, shared by the web form and the token API,
so both give the same field-by-field errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Field, SQLModel

from archive.dates import describe, parse_date
from archive.errors import DateError
from archive.models import utcnow
from archive.passage_notes import parse_note_lines

STATES = ("draft", "submitted", "in_review", "returned", "published", "rejected", "withdrawn")
STATE_LABELS = {"draft": "Draft", "submitted": "Submitted", "in_review": "In review",
                "returned": "Returned", "published": "Published", "rejected": "Rejected",
                "withdrawn": "Withdrawn"}
SCOPES = ("public", "staff")
REVIEW = ("pending", "done")
MAX_TEXT = 2_000_000  # characters of transcript typed in the form


class Submission(SQLModel, table=True):
    """The working copy of a staff-submitted narrative, with its review state and version."""

    id: str = Field(primary_key=True)  # becomes the narrative's id when published
    owner: str = Field(index=True)
    state: str = Field(default="draft", index=True)
    version: int = 1
    comment: str = ""  # the curator's comment when returned or rejected
    title: str = ""
    narrator_display: str = ""
    narrator_name: str = ""  # private: staff only
    anonymize: bool = True
    interviewer: str = ""
    date: str = ""
    place: str = ""
    language: str = "en"
    summary: str = ""
    body: str = ""
    content_note: str = ""
    passage_notes: str = ""  # content notes on passages, one a line (archive/passage_notes.py)
    redact_names: str = ""  # third parties' names, one a line: replaced in every public text
    release_signed: bool = False
    release_date: str = ""
    release_licence: str = ""
    scope: str = "public"
    embargo_until: str = ""
    narrator_review: str = "pending"
    upload_path: str = ""  # a stored transcript file (WebVTT, SRT, OHMS XML): segments
    media_consent: bool = False  # the narrator consents to publishing the recording
    recording_path: str = ""  # a stored recording (audio or video), sniffed when uploaded
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# Editable fields in form order: name → (label, kind).
FIELDS: dict[str, tuple[str, str]] = {
    "title": ("Title", "text"),
    "narrator_display": ("Narrator's public name or pseudonym", "text"),
    "narrator_name": ("Narrator's private name (staff only)", "text"),
    "anonymize": ("Anonymize: show only the pseudonym", "bool"),
    "interviewer": ("Interviewer", "text"),
    "date": ("Date of the interview (EDTF)", "text"),
    "place": ("Place", "text"),
    "language": ("Language", "text"),
    "summary": ("Summary", "textarea"),
    "body": ("Transcript", "textarea"),
    "content_note": ("Content note", "text"),
    "passage_notes": ("Content notes on passages (one a line)", "textarea"),
    "redact_names": ("Third-party names to redact (one a line)", "textarea"),
    "release_signed": ("Release signed", "bool"),
    "media_consent": ("The narrator consents to publishing the recording", "bool"),
    "release_date": ("Release signed on (YYYY-MM-DD)", "text"),
    "release_licence": ("Licence", "text"),
    "scope": ("Who may see it", "choice"),
    "embargo_until": ("Embargo until (YYYY-MM-DD, empty for none)", "text"),
    "narrator_review": ("Narrator's review of the transcript", "choice"),
}
CHOICES = {"scope": {"public": "Public", "staff": "Researchers and staff only"},
           "narrator_review": {"pending": "Pending", "done": "Done"}}
DATE_FIELDS = ("date", "release_date", "embargo_until")  # EDTF, or a day as YYYY-MM-DD


def readable(name: str, value: object) -> str:
    """A field's value as a person reads it in a list of changes: Yes or No, a choice by its
    label, a date in words with what was typed beside it, nothing as "none"."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool) or FIELDS.get(name, ("", ""))[1] == "bool":
        return "Yes" if value is True or str(value).lower() in ("1", "on", "true", "yes") else "No"
    if name in CHOICES:
        return CHOICES[name].get(str(value), str(value))
    if name == "state":
        return STATE_LABELS.get(str(value), str(value))
    if name in DATE_FIELDS:
        try:
            words = describe(parse_date(str(value)).text)
        except DateError:
            return str(value)
        return words if words == value else f"{words} (as written: {value})"
    return str(value)


_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass
class Checked:
    values: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() in ("1", "on", "true", "yes")


def _iso_day(value: str, name: str, errors: dict[str, str]) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        errors[name] = f"expected a day as YYYY-MM-DD, got '{value}'"


def validate(raw: dict) -> Checked:
    """Clean the submitted values and say, per field, what was expected.

    Every value comes back (cleaned or as typed) so a form re-shown with errors loses nothing.
    """
    out = Checked()
    for name, (_label, kind) in FIELDS.items():
        value = raw.get(name)
        if kind == "bool":
            out.values[name] = _truthy(value)
        else:
            out.values[name] = "" if value is None else str(value).replace("\r\n", "\n").strip()
    v, errors = out.values, out.errors
    if not v["title"]:
        errors["title"] = "a title is required"
    if not v["narrator_display"]:
        errors["narrator_display"] = "a public name or pseudonym is required (it is what readers see)"
    if v["date"]:
        try:
            v["date"] = parse_date(v["date"]).text
        except DateError as exc:
            errors["date"] = str(exc)
    else:
        errors["date"] = "expected an EDTF date such as 1970, 1995-08, 1950~ or 1910/1968"
    if not v["language"]:
        v["language"] = "en"
    elif not _LANGUAGE.match(v["language"]):
        errors["language"] = f"expected a language code such as en or es-MX, got '{v['language']}'"
    for name in ("scope", "narrator_review"):
        if v[name] not in CHOICES[name]:
            errors[name] = f"expected one of {', '.join(CHOICES[name])}, got '{v[name]}'"
    if v["release_date"]:
        _iso_day(v["release_date"], "release_date", errors)
    elif v["release_signed"]:
        errors["release_date"] = "the date the release was signed is required when it is signed"
    if v["embargo_until"]:
        _iso_day(v["embargo_until"], "embargo_until", errors)
    names = [n.strip() for n in v["redact_names"].splitlines() if n.strip()]
    if any(len(n) < 2 for n in names):
        errors["redact_names"] = "each name to redact needs at least 2 characters"
    v["redact_names"] = "\n".join(names)
    v["passage_notes"] = "\n".join(line.strip() for line in v["passage_notes"].splitlines() if line.strip())
    try:
        parse_note_lines(v["passage_notes"])  # their form; what each covers is checked at publishing
    except ValueError as exc:
        errors["passage_notes"] = str(exc)
    if len(v["body"]) > MAX_TEXT:
        errors["body"] = f"the transcript is longer than {MAX_TEXT:,} characters; upload it as a file"
    return out


@dataclass(frozen=True)
class PublishCheck:
    """One promise made to the narrator that must hold before publishing: what it is, whether
    it holds, what to say when it does not, and the form field that settles it."""

    label: str
    met: bool
    problem: str
    form_field: str


def publish_checklist(sub: Submission) -> list[PublishCheck]:
    """Every condition of publishing, met or not (the review desk shows it as a checklist)."""
    return [
        PublishCheck("A signed release is on file", sub.release_signed, "no signed release is on file",
                     "release_signed"),
        PublishCheck("The narrator has reviewed the transcript", sub.narrator_review == "done",
                     "the narrator has not yet reviewed the transcript", "narrator_review"),
        # An uploaded file was parsed by the ingest readers when it arrived; it becomes the
        # narrative's timestamped segments when published (ingest/uploaded_transcripts.py).
        PublishCheck("There is a transcript (typed or an uploaded file)", bool(sub.body.strip() or sub.upload_path),
                     "there is no transcript: type it or upload a .vtt, .srt or OHMS .xml file", "body"),
    ]


def publish_problems(sub: Submission) -> list[str]:
    """What must be true before a curator may publish (the promises made to the narrator)."""
    return [check.problem for check in publish_checklist(sub) if not check.met]
