"""Evidence attachments: checked by content, stored outside the web root under random names."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import secrets
import zipfile
from pathlib import Path

from app import access
from app.models import Attachment, Task, User, utcnow
from app.services.cycles import _audit, load_task
from app.services.errors import Forbidden, Invalid, NotFound
from workflows.forms import bad_characters
from workflows.model import N_

MIME = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
EXTENSIONS = {"pdf": "pdf", "png": "png", "jpg": "jpg", "jpeg": "jpg", "docx": "docx",
              "xlsx": "xlsx", "pptx": "pptx"}
_OFFICE = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx",
           "ppt/presentation.xml": "pptx"}


def sniff(data: bytes) -> str | None:
    """What the bytes really are, whatever the name says; None when not an allowed kind."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" in names:
            for marker, kind in _OFFICE.items():
                if marker in names:
                    return kind
    return None


def clean_name(name: str | None) -> str:
    """The name to show; refuse one that tries to name a path or hides characters."""
    name = (name or "").strip()
    if not name or "/" in name or "\\" in name or name.startswith(".") or ".." in name \
            or bad_characters(name) or len(name) > 120:
        raise Invalid(N_("The file name is not acceptable; rename the file (no folders, at most 120 characters)."))
    return name


def attach(session, task_id: int, actor: User, filename: str | None, data: bytes,
           storage: Path, max_bytes: int, now: dt.datetime | None = None) -> Attachment:
    """Store one piece of evidence on an open task the actor works on."""
    now = now or utcnow()
    task: Task = load_task(session, task_id)
    if not access.can_view_task(actor, task):
        raise NotFound(N_("No such task."))
    if task.status != "open" or not access.can_act_on(actor, task):
        raise Forbidden(N_("Only the person working on an open task may attach evidence to it."))
    name = clean_name(filename)
    if len(data) > max_bytes:
        raise Invalid(N_("The file is too large (at most %(mb)d MB)."), mb=max_bytes // 2**20)
    if not data:
        raise Invalid(N_("The file is empty."))
    kind = sniff(data)
    extension = EXTENSIONS.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
    if kind is None or extension != kind:
        raise Invalid(N_("Only PDF, Word, Excel, PowerPoint, PNG and JPEG files are accepted, "
                         "and the content must match the name's extension."))
    storage.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = storage / stored_name
    temporary = storage / f".{stored_name}.part"
    temporary.write_bytes(data)
    os.replace(temporary, path)
    attachment = Attachment(cycle_id=task.cycle_id, stage=task.stage, task_id=task.id, name=name,
                            stored_name=stored_name, kind=kind, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), uploaded_by_id=actor.id,
                            created_at=now)
    session.add(attachment)
    _audit(session, "attach", actor, task.cycle, task, from_stage=task.stage,
           to_stage=task.stage, now=now, name=name, size=len(data))
    try:
        session.commit()
    except Exception:
        session.rollback()
        path.unlink(missing_ok=True)
        raise
    return attachment
