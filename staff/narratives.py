"""Staff pages for narratives: the submission form, review actions, withdrawal, diffs, publishing."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from archive import site_lag, workflow
from archive.access import Role
from archive.db import transaction
from archive.errors import NotFound, ReckoningError
from archive.models import Narrative, User
from archive.numbers import whole_number
from archive.recordings import public_status
from archive.settings import Settings
from archive.submissions import Checked, Submission, publish_checklist, publish_problems, validate
from archive.urls import page_url
from archive.users import viewer_of
from ingest.recordings import uploaded_recording_rows
from ingest.uploaded_transcripts import (
    TranscriptFileError,
    describe_kept,
    read_uploaded,
    segment_rows,
)
from staff.auth import guard
from staff.errors import Again, refused
from staff.pages import LOST_VERSION, flash, form_version, render
from staff.refresh import publish_change
from staff.uploads import (
    RECORDING_ACCEPT,
    ReceivedRecording,
    Transcript,
    UploadError,
    discard,
    has_file,
    keep,
    keep_recording,
    read_upload,
    receive_recording,
)

UPLOAD_FIELD = "transcript_file"
RECORDING_FIELD = "recording_file"
FORM_BODY = 16 * 1024 * 1024  # the form's other fields and a transcript, beyond the recording
ACTION_LABELS = {"submit": "Submit for review", "start_review": "Start review",
                 "return": "Return to contributor", "reject": "Reject", "publish": "Publish"}
# The step a narrative in each state is waiting for: the review desk's main action.
NEXT_STEP = {"draft": "submit", "returned": "submit", "submitted": "start_review", "in_review": "publish"}
DESTRUCTIVE = ("reject",)  # set apart, behind a confirmation (withdrawal has its own form)


# -- the submission form ----------------------------------------------------------------------

def form_page(request: Request, user: User, checked: Checked, sub: Submission | None,
              version: int | None, status: int = 200, stale: str = "") -> Response:
    action = f"/staff/narratives/{sub.id}/edit" if sub else "/staff/narratives/new"
    return render(request, "form.html", status=status, user=user, values=checked.values,
                  errors=checked.errors, sub=sub, version=version, action=action, stale=stale,
                  recording_mb=request.app.state.settings.recording_upload_mb, recording_accept=RECORDING_ACCEPT)


async def checked_form(request: Request) -> tuple[Checked, Transcript | None, ReceivedRecording | None]:
    """The form's values checked, its transcript read and its recording received and sniffed
    (the caller keeps or `discard`s it)."""
    form = request.state.form
    checked = validate({k: form.get(k) for k in form if k not in (UPLOAD_FIELD, RECORDING_FIELD)})
    transcript = None
    upload = form.get(UPLOAD_FIELD)
    if has_file(upload):
        try:
            transcript = await read_upload(upload)
            # Parsed now by the ingest readers, so a broken file is refused beside the field.
            await run_in_threadpool(read_uploaded, transcript.name, transcript.data)
        except UploadError as exc:
            checked.errors[UPLOAD_FIELD] = str(exc)
        except TranscriptFileError as exc:
            checked.errors[UPLOAD_FIELD] = "; ".join(str(p) for p in exc.problems)
            transcript = None
    recording = None
    upload = form.get(RECORDING_FIELD)
    if has_file(upload):
        settings = request.app.state.settings
        try:
            recording = await receive_recording(upload, settings.uploads_dir, settings.recording_upload_mb)
        except UploadError as exc:
            checked.errors[RECORDING_FIELD] = str(exc)
    if not checked.ok:
        discard(recording)
        recording = None
    return checked, transcript, recording


def blocked_notice(sub: Submission) -> str:
    """What a contributor submitting for review should know: what would stop its publication."""
    problems = publish_problems(sub) if sub.state == "submitted" else []
    return f" It cannot be published yet: {'; '.join(problems)} (see the checklist)." if problems else ""


def upload_folder(request: Request, sub_id: str) -> Path:
    return request.app.state.settings.uploads_dir / sub_id


@guard(Role.CONTRIBUTOR)
async def new(request: Request, user: User) -> Response:
    if request.method == "GET":
        return form_page(request, user, Checked(values=Submission(id="", owner="").model_dump()), None, None)
    checked, transcript, recording = await checked_form(request)
    if not checked.ok:
        return form_page(request, user, checked, None, None, status=400)
    with transaction(request.app.state.engine) as session:
        sub_id = workflow.new_id(session, checked.values)
        path = str(keep(transcript, upload_folder(request, sub_id))) if transcript else ""
        sound = str(keep_recording(recording, upload_folder(request, sub_id))) if recording else ""
        sub = workflow.create(session, viewer_of(user), checked.values, upload_path=path, sub_id=sub_id,
                              recording_path=sound)
        if request.state.form.get("then") == "submit":
            workflow.act(session, viewer_of(user), sub.id, "submit", sub.version)
    flash(request, f"Saved “{sub.title}”" + (" and submitted for review." if sub.state == "submitted" else
                                              " as a draft.") + blocked_notice(sub))
    return RedirectResponse(f"/staff/narratives/{sub.id}", 303)


@guard(Role.CONTRIBUTOR)
async def edit(request: Request, user: User) -> Response:
    viewer = viewer_of(user)
    with Session(request.app.state.engine) as session:
        sub = workflow.get(session, viewer, request.path_params["id"])
    if not workflow.can_edit(viewer, sub):
        raise workflow.Forbidden(f"“{sub.title}” is {sub.state.replace('_', ' ')}: you may not edit it now")
    if request.method == "GET":
        return form_page(request, user, Checked(values=sub.model_dump()), sub, sub.version)
    checked, transcript, recording = await checked_form(request)
    version = form_version(request)
    if version is None:
        checked.errors["version"] = LOST_VERSION
        version = sub.version
    if not checked.ok:
        discard(recording)
        return form_page(request, user, checked, sub, version, status=400)

    def again(status: int, exc: ReckoningError) -> Response:
        if status == 409:
            return form_page(request, user, checked, sub, version, status=409, stale=str(exc))
        checked.errors["then"] = str(exc)  # beside the choice to save or submit
        return form_page(request, user, checked, sub, version, status=status)

    sound = str(keep_recording(recording, upload_folder(request, sub.id))) if recording else None
    rows = uploaded_recording_rows(sub.id, Path(sound), recording.info) if recording and sound else None
    try:
        with transaction(request.app.state.engine) as session:
            path = str(keep(transcript, upload_folder(request, sub.id))) if transcript else None
            segments = segment_rows(sub.id, Path(path)) if path else None  # read by the ingest readers
            saved = workflow.save(session, viewer, sub.id, version, checked.values, upload_path=path,
                                  segments=segments, recording_path=sound,
                                  recordings=rows)
            live = saved.state == "published"  # the public copies show it: they follow at once
            if live:
                site_lag.note(session, f"edited {sub.id}", user.username)
            if request.state.form.get("then") == "submit":
                workflow.act(session, viewer, sub.id, "submit", saved.version)
    except ReckoningError as exc:
        if sound and sound != sub.recording_path:
            Path(sound).unlink(missing_ok=True)
        return refused(request, user, exc, again)
    if sound and sub.recording_path and sub.recording_path != sound:  # replaced: the old one goes
        Path(sub.recording_path).unlink(missing_ok=True)
    notice = f"Saved “{saved.title}”." + blocked_notice(saved)
    if live:
        outcome = await publish_change(request, user.username)
        flash(request, outcome.said(notice))
    else:
        flash(request, notice)
    return RedirectResponse(f"/staff/narratives/{sub.id}", 303)


# -- a narrative's page and what is done from it ----------------------------------------------

def transcript_info(sub: Submission) -> str:
    if not sub.upload_path:
        return ""
    try:
        return describe_kept(Path(sub.upload_path))
    except (OSError, TranscriptFileError) as exc:
        return f"cannot be read: {exc}"


def recording_info(sub: Submission, live: Narrative | None, session: Session, settings: Settings) -> str:
    """One line for staff: the kept recording's name and what the public gets of it (or when it will)."""
    if not sub.recording_path:
        return ""
    name = Path(sub.recording_path).name
    if live is None:
        return f"{name}; it becomes the narrative's recording when the narrative is published"
    status = public_status(session, live, settings.today())
    return f"{name}; {status}" if status else f"{name}; not yet the narrative's recording (publish again)"


def view_page(request: Request, user: User, sub_id: str, status: int = 200, error: str = "") -> Response:
    viewer = viewer_of(user)
    with Session(request.app.state.engine) as session:
        sub = workflow.get(session, viewer, sub_id)
        revisions = workflow.history(session, sub_id)
        row = session.get(Narrative, sub_id)
        live = row is not None
        recording = recording_info(sub, row, session, request.app.state.settings)
    allowed = [a for a, (starts, _target, curators) in workflow.TRANSITIONS.items()
               if sub.state in starts and (viewer.is_curator or (not curators and sub.owner == user.username))]
    return render(request, "narrative.html", status=status, user=user, sub=sub, revisions=revisions,
                  steps=review_steps(sub, allowed), action_labels=ACTION_LABELS,
                  can_edit=workflow.can_edit(viewer, sub), checklist=publish_checklist(sub),
                  public_url=page_url("narrative", sub.id) if live else "",
                  # Withdrawal answers a narrator taking back consent for what was published.
                  can_withdraw=(sub.state == "published" or live) and sub.state != "withdrawn"
                  and (viewer.is_curator or sub.owner == user.username),
                  error=error, transcript_info=transcript_info(sub), recording_info=recording)


def review_steps(sub: Submission, allowed: list[str]) -> dict[str, list[str]]:
    """The actions a viewer may take on `sub`, arranged for the desk: the `main` one (the step
    the narrative waits for, or the first other one), the `other` safe ones, and the
    `destructive` ones set apart. Publishing is not offered while something blocks it."""
    blocked = bool(publish_problems(sub))
    usable = [a for a in allowed if not (a == "publish" and blocked)]
    safe = [a for a in usable if a not in DESTRUCTIVE]
    wanted = NEXT_STEP.get(sub.state)
    main = [wanted] if wanted in safe else safe[:1]
    return {"main": main, "other": [a for a in safe if a not in main],
            "destructive": [a for a in usable if a in DESTRUCTIVE]}


def view_again(request: Request, user: User, sub_id: str) -> Again:
    """The narrative's page again with a refusal's status and reason (for staff.errors.refused)."""
    return lambda status, exc: view_page(request, user, sub_id, status, str(exc))


@guard(Role.CONTRIBUTOR)
async def dashboard(request: Request, user: User) -> Response:
    with Session(request.app.state.engine) as session:
        subs = workflow.visible_to(session, viewer_of(user))
    return render(request, "dashboard.html", user=user, submissions=subs)


@guard(Role.CONTRIBUTOR)
async def show(request: Request, user: User) -> Response:
    return view_page(request, user, request.path_params["id"])


@guard(Role.CONTRIBUTOR)
async def act(request: Request, user: User) -> Response:
    sub_id = request.path_params["id"]
    form = request.state.form
    action = str(form.get("action", ""))
    version = form_version(request)
    if version is None:
        return view_page(request, user, sub_id, 400, LOST_VERSION)
    if action in DESTRUCTIVE and form.get("confirm") != "yes":
        return view_page(request, user, sub_id, 400, f"tick the box to confirm: {ACTION_LABELS[action].lower()} "
                                                     "cannot be undone from this page")
    try:
        recordings = None
        if action == "publish":  # the uploaded recording, probed again (reading it whole) off the event loop
            with Session(request.app.state.engine) as session:
                kept = workflow.get(session, viewer_of(user), sub_id).recording_path
            if kept:
                recordings = await run_in_threadpool(uploaded_recording_rows, sub_id, Path(kept))
        with transaction(request.app.state.engine) as session:
            segments = None
            if action == "publish":  # the uploaded transcript, read by the ingest readers
                sub = workflow.get(session, viewer_of(user), sub_id)
                segments = segment_rows(sub_id, Path(sub.upload_path) if sub.upload_path else None)
            sub = workflow.act(session, viewer_of(user), sub_id, action, version,
                               comment=str(form.get("comment", "")), today=request.app.state.settings.today(),
                               segments=segments, recordings=recordings)
            if action == "publish":
                site_lag.note(session, f"published {sub_id}", user.username)
    except ReckoningError as exc:
        return refused(request, user, exc, view_again(request, user, sub_id))
    if action == "publish":
        outcome = await publish_change(request, user.username)
        flash(request, outcome.said(f"Published “{sub.title}”."))
    else:
        flash(request, f"“{sub.title}” is now {sub.state.replace('_', ' ')}.")
    return RedirectResponse(f"/staff/narratives/{sub_id}", 303)


@guard(Role.CONTRIBUTOR)
async def withdraw(request: Request, user: User) -> Response:
    sub_id = request.path_params["id"]
    if request.state.form.get("confirm") != "yes":
        return view_page(request, user, sub_id, 400, "tick the box to confirm the narrator withdrew consent")
    try:
        with transaction(request.app.state.engine) as session:
            workflow.withdraw(session, viewer_of(user), sub_id, request.app.state.settings.today())
            site_lag.note(session, f"withdrew {sub_id}", user.username)
    except ReckoningError as exc:
        return refused(request, user, exc, view_again(request, user, sub_id))
    outcome = await publish_change(request, user.username)
    flash(request, outcome.said("Withdrawn: the API answers with its tombstone."))
    return RedirectResponse(f"/staff/narratives/{sub_id}", 303)


@guard(Role.CURATOR)
async def diff(request: Request, user: User) -> Response:
    sub_id = request.path_params["id"]
    old, new = (whole_number(request.query_params.get(k, "")) for k in ("from", "to"))
    if old is None or new is None:
        raise NotFound("choose two revisions to compare")
    old, new = min(old, new), max(old, new)
    with Session(request.app.state.engine) as session:
        sub = workflow.get(session, viewer_of(user), sub_id)
        changes = workflow.diff_revisions(session, sub_id, old, new)
        revisions = workflow.history(session, sub_id)
    return render(request, "diff.html", user=user, sub=sub, changes=changes, old=old, new=new,
                  revisions=revisions, between=[r for r in revisions if old < r.id <= new])


@guard(Role.CURATOR)
async def publish_site(request: Request, user: User) -> Response:
    outcome = await publish_change(request, user.username)
    if outcome.report is not None:
        flash(request, f"Published the site: {outcome.report.site.pages} pages, {outcome.report.indexed} objects "
                       "in search.")
    else:
        flash(request, outcome.said("Publishing failed."))
    return RedirectResponse("/staff/", 303)


def routes(settings: Settings) -> list[Route]:
    """The narrative pages; the form's two take a body as large as a recording may be."""
    body = settings.recording_upload_mb * 1024 * 1024 + FORM_BODY
    return [
        Route("/narratives/new", new, methods=["GET", "POST"], max_body_size=body),
        Route("/narratives/{id}/edit", edit, methods=["GET", "POST"], max_body_size=body),
        *ROUTES,
    ]


ROUTES = [
    Route("/", dashboard),
    Route("/narratives/{id}", show),
    Route("/narratives/{id}/act", act, methods=["POST"]),
    Route("/narratives/{id}/withdraw", withdraw, methods=["POST"]),
    Route("/narratives/{id}/diff", diff),
    Route("/publish", publish_site, methods=["POST"]),
]
