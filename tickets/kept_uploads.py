"""Files picked on the intake form, kept on the server when the form comes back (an error,
the referral page, a list refreshed without JavaScript), so that nobody has to pick them
again: browsers never send a file twice.

What is kept belongs to one submission (the form's ``submission_key``) in one session: the
list lives in the session, the files under a random folder of their own in the media
storage, never named after anything the browser sent. Another user, or the same user in
another session, cannot see or attach them.

Each file is checked by the attachment rules (``tickets.attachments``: type, content
signature, size) before it is kept, and again, with the others, when the case is opened.

What becomes of them: attached to the case and deleted here when the form is sent
successfully; deleted when removed from the form; otherwise deleted by the hourly sweep
(``tickets.sweep_kept_uploads``) once KEEP_FOR has passed since they were stored, and a
session's stale entries are dropped the next time the form reads them.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile

from tickets import attachments as attachment_rules

FOLDER = "intake-kept"
SESSION_KEY = "intake_kept_files"
KEEP_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class KeptFile:
    id: str
    name: str
    size: int
    path: str


def _entries(session) -> dict:
    return session.get(SESSION_KEY) or {}


def _save(session, entries: dict) -> None:
    session[SESSION_KEY] = entries
    session.modified = True


def kept_files(session, submission: str, *, now: datetime) -> list[KeptFile]:
    """The files kept for ``submission`` in this session, oldest first; stale entries of
    the session are dropped (and their files deleted) on the way."""
    _prune(session, now=now)
    entry = _entries(session).get(str(submission))
    if not entry:
        return []
    files = [KeptFile(**f) for f in entry["files"]]
    present = [f for f in files if default_storage.exists(f.path)]
    if len(present) != len(files):
        entry["files"] = [vars(f) for f in present]
        _save(session, _entries(session) | {str(submission): entry})
    return present


def keep(
    session, submission: str, uploads: list[UploadedFile], *, now: datetime
) -> tuple[list[KeptFile], list[str]]:
    """Store each upload that passes the attachment rules, up to the number a case may take
    at once with what is already kept. Returns what is now kept and, for each upload not
    kept, why (in words)."""
    kept = kept_files(session, submission, now=now)
    refused: list[str] = []
    entries = _entries(session)
    entry = entries.get(str(submission)) or {"folder": secrets.token_urlsafe(16), "files": []}
    for upload in uploads:
        name = attachment_rules.clean_name(upload.name or "")
        try:
            attachment_rules.validate_uploads([upload])
        except ValidationError as error:
            refused.extend(error.message_dict["attachments"])
            continue
        if len(kept) >= settings.TICKET_ATTACHMENT_MAX_COUNT:
            refused.append(
                f"{name} was not kept: a case takes at most "
                f"{settings.TICKET_ATTACHMENT_MAX_COUNT} files."
            )
            continue
        file_id = secrets.token_urlsafe(12)
        suffix = PurePath(name).suffix.lower()
        upload.seek(0)
        path = default_storage.save(f"{FOLDER}/{entry['folder']}/{file_id}{suffix}", upload)
        kept.append(KeptFile(id=file_id, name=name, size=upload.size, path=path))
    if kept:
        entry["files"] = [vars(f) for f in kept]
        entry["at"] = now.isoformat()
        _save(session, entries | {str(submission): entry})
    return kept, refused


def forget(session, submission: str, file_id: str) -> None:
    """Remove one kept file from the submission and delete it."""
    entries = _entries(session)
    entry = entries.get(str(submission))
    if not entry:
        return
    remaining = []
    for stored in entry["files"]:
        if stored["id"] == file_id:
            default_storage.delete(stored["path"])
        else:
            remaining.append(stored)
    entry["files"] = remaining
    _save(session, entries | {str(submission): entry})


def opened(files: list[KeptFile]) -> list[UploadedFile]:
    """The kept files as uploads, to be checked and attached like freshly picked ones. The
    caller closes them (``close_all``)."""
    return [
        UploadedFile(file=default_storage.open(f.path, "rb"), name=f.name, size=f.size)
        for f in files
    ]


def close_all(uploads: list[UploadedFile]) -> None:
    for upload in uploads:
        upload.close()


def discard(session, submission: str) -> None:
    """Delete every file kept for ``submission`` (once they are on the case)."""
    entries = _entries(session)
    entry = entries.pop(str(submission), None)
    if entry is None:
        return
    for stored in entry["files"]:
        default_storage.delete(stored["path"])
    _save(session, entries)


def _prune(session, *, now: datetime) -> None:
    entries = _entries(session)
    stale = [
        key
        for key, entry in entries.items()
        if datetime.fromisoformat(entry.get("at", "1970-01-01T00:00:00+00:00")) < now - KEEP_FOR
    ]
    for key in stale:
        discard(session, key)


def sweep(*, now: datetime) -> int:
    """Delete kept files stored more than KEEP_FOR ago, and folders left empty; the number
    of files deleted. For the periodic task: it reaches the files of sessions that never
    came back."""
    if not default_storage.exists(FOLDER):
        return 0
    deleted = 0
    folders, _ = default_storage.listdir(FOLDER)
    for folder in folders:
        base = f"{FOLDER}/{folder}"
        _, names = default_storage.listdir(base)
        left = len(names)
        for name in names:
            path = f"{base}/{name}"
            if default_storage.get_modified_time(path) < now - KEEP_FOR:
                default_storage.delete(path)
                deleted += 1
                left -= 1
        if not left:
            default_storage.delete(base)
    return deleted
