"""Evidence: size limit, types checked by content, no path tricks, served only to those who may
see the cycle; a refused upload stores nothing."""
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment
from tests import builders
from tests.web.conftest import sign_in

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def world(app):
    return builders.launched_college(db.session)


def upload(client, task_id, name, data):
    return client.post(f"/tasks/{task_id}/attachments",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def stored(app):
    folder = Path(app.config["ATTACHMENTS_DIR"])
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def count():
    return db.session.scalar(select(func.count()).select_from(Attachment))


@pytest.mark.parametrize("name,data", [("评估报告.pdf", PDF), ("图.png", PNG),
                                       ("方案.docx", docx())])
def test_allowed_files_are_kept_under_random_names_and_served_back(client, app, world, name, data):
    sign_in(client, world.lead1)
    response = upload(client, world.fill.id, name, data)
    assert response.status_code == 303
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.name == name and attachment.stored_name in stored(app)
    assert name not in stored(app)
    served = client.get(f"/attachments/{attachment.id}")
    assert served.status_code == 200 and served.data == data
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in served.headers["Content-Disposition"]


@pytest.mark.parametrize("name,data,why", [
    ("report.pdf", b"<html><script>alert(1)</script></html>", "内容须与扩展名一致"),
    ("report.docx", PDF, "内容须与扩展名一致"),
    ("report.exe", b"MZ\x90\x00", "内容须与扩展名一致"),
    ("../../etc/passwd.pdf", PDF, "文件名不符合要求"),
    ("..\\boot.pdf", PDF, "文件名不符合要求"),
    (".hidden.pdf", PDF, "文件名不符合要求"),
    ("empty.pdf", b"", "文件为空"),
])
def test_refused_uploads_store_nothing(client, app, world, name, data, why):
    sign_in(client, world.lead1)
    response = upload(client, world.fill.id, name, data)
    assert response.status_code == 303
    follow = client.get(f"/tasks/{world.fill.id}").get_data(as_text=True)
    assert "flash error" in follow and why in follow
    assert count() == 0 and [n for n in stored(app) if not n.startswith(".")] == []


def test_an_oversized_file_is_refused(client, app, world):
    app.config["ATTACHMENT_MAX_BYTES"], saved = 1024, app.config["ATTACHMENT_MAX_BYTES"]
    try:
        sign_in(client, world.lead1)
        upload(client, world.fill.id, "big.pdf", PDF + b"0" * 2048)
        assert "文件过大" in client.get(f"/tasks/{world.fill.id}").get_data(as_text=True)
        assert count() == 0 and stored(app) == []
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = saved


def test_only_people_who_may_see_the_cycle_download(client, app, world):
    sign_in(client, world.lead1)
    upload(client, world.fill.id, "证明.pdf", PDF)
    attachment_id = db.session.scalars(select(Attachment.id)).one()
    for user, status in ((world.head1, 200), (world.qo, 200), (world.head2, 404),
                         (world.lead2, 404), (world.teacher, 404)):
        sign_in(client, user)
        assert client.get(f"/attachments/{attachment_id}").status_code == status, user.username


def test_people_not_working_on_the_task_cannot_upload(client, app, world):
    sign_in(client, world.head1)  # may see the cycle, but the fill-in task is not theirs
    assert upload(client, world.fill.id, "x.pdf", PDF).status_code == 403
    assert count() == 0
