import contextlib
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import AuditEvent, LoginFailure
from config import TestConfig
from tests import builders
from tests.builders import PASSWORD
from tests.conftest import RequestScopedClient


@contextlib.contextmanager
def own_app(sqlite_template, tmp_path, **config):
    """An app of its own, for settings the shared test app lacks, on a copy of the migrated
    template; pushed, and closed afterwards."""
    path = tmp_path / "own.db"
    shutil.copy(sqlite_template, path)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", **config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def wrong_sign_in(client, headers) -> dict:
    """A sign-in form with a wrong password and the login page's CSRF token."""
    page = client.get("/login", headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return {"username": "nobody", "password": "wrong", "csrf_token": token}


@pytest.fixture
def people(app):
    return builders.build_college(db.session)


def login(client, username, password=PASSWORD, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password})


def test_sign_in_and_out(client, people):
    response = login(client, "lead1")
    assert response.status_code == 302 and response.location == "/"
    assert "软件专业负责人" in client.get("/").get_data(as_text=True)
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_in_chinese(client, people):
    response = login(client, "lead1", "wrong")
    assert response.status_code == 401
    assert "工号或密码错误" in response.get_data(as_text=True)


def test_logins_are_throttled_per_account(client, people, app):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(client, "lead1", "wrong").status_code == 401
    response = login(client, "lead1")  # even the right password waits out the lock
    assert response.status_code == 429
    assert login(client, "lead2").status_code == 302  # other accounts are not affected


def test_successful_login_clears_failures_and_is_audited(client, people):
    login(client, "lead1", "wrong")
    login(client, "lead1")
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "login")) == 1


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_next_never_leaves_the_site(client, people, target):
    response = login(client, "lead1", next_url=target)
    assert response.status_code == 302 and response.location == "/"


def test_next_within_the_site_is_followed(client, people):
    assert login(client, "lead1", next_url="/cycles/").location == "/cycles/"


def test_pages_are_chinese_by_default_and_english_on_request(client, people):
    login(client, "lead1")
    assert "我的待办" in client.get("/").get_data(as_text=True)
    client.post("/language/en", data={"next": "/cycles/"})
    assert "My tasks" in client.get("/").get_data(as_text=True)
    assert client.post("/language/fr").status_code == 404


def test_state_changes_need_a_csrf_token(sqlite_template, tmp_path):
    with own_app(sqlite_template, tmp_path, WTF_CSRF_ENABLED=True) as app:
        builders.build_college(db.session)
        client = app.test_client()
        response = client.post("/login", data={"username": "lead1", "password": PASSWORD})
        assert response.status_code == 400
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_unknown_page_is_a_friendly_404(client, people):
    login(client, "lead1")
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "未找到" in response.get_data(as_text=True)


def test_launch_preview_and_launch_work_with_csrf_on(sqlite_template, tmp_path):
    """The preview is a GET (no token needed); the confirming POST carries the page's token."""
    from app.models import Cycle
    path = tmp_path / "csrf-launch.db"
    shutil.copy(sqlite_template, path)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}", WTF_CSRF_ENABLED=True)
    app.test_client_class = RequestScopedClient  # each request its own context, as in production
    with app.app_context():
        world = builders.build_college(db.session)
        client = app.test_client()
        login_page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        client.post("/login", data={"username": "qo", "password": PASSWORD, "csrf_token": token})
        preview = client.get(f"/dashboard/launch/preview?level=major&period={world.year.id}")
        html = preview.get_data(as_text=True)
        assert preview.status_code == 200 and "confirm-launch" in html
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        response = client.post("/dashboard/launch", data={
            "level": "major", "period": world.year.id, "csrf_token": token})
        assert response.status_code == 303, response.get_data(as_text=True)[-600:]
        assert db.session.scalar(select(func.count()).select_from(Cycle)) == 3
        db.session.remove()
        db.engine.dispose()


def test_an_empty_sign_in_says_what_is_missing(client, app):
    builders.build_college(db.session)
    page = client.post("/login", data={"username": "", "password": ""})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "请输入工号" in html and "请输入密码" in html


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_recorded(
        sqlite_template, tmp_path):
    """With PROXIES=1 (nginx in front) a failed sign-in records the browser's address; without
    it the header is not trusted, since anyone could send it."""
    path = tmp_path / "proxied.db"
    shutil.copy(sqlite_template, path)
    for proxies, recorded in ((0, "127.0.0.1"), (1, "10.2.3.4")):
        proxied = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
                             PROXIES=proxies)
        with proxied.app_context():
            response = proxied.test_client().post(
                "/login", data={"username": "nobody", "password": "wrong"},
                headers={"X-Forwarded-For": "10.2.3.4"})
            assert response.status_code == 401
            assert db.session.scalars(select(LoginFailure.remote_addr)
                                      .order_by(LoginFailure.id.desc())).first() == recorded
            db.session.remove()
            db.engine.dispose()


def _guide_nginx_headers(origin: str, client_ip: str) -> dict[str, str]:
    """The headers the deployment guide's nginx `location /` block sends the app when a browser
    at `origin` asks, with nginx's variables filled in as nginx would."""
    guide = (Path(__file__).parents[2] / "docs" / "deployment.md").read_text(encoding="utf-8")
    block = re.search(r"location / \{(.*?)\}", guide, re.S).group(1)
    url = urlsplit(origin)
    nginx = {"$http_host": url.netloc, "$host": url.hostname, "$scheme": url.scheme,
             "$proxy_add_x_forwarded_for": client_ip, "$remote_addr": client_ip,
             "$server_port": str(url.port or 443)}
    return {name: nginx[value]
            for name, value in re.findall(r"proxy_set_header\s+(\S+)\s+(\S+);", block)}


@pytest.mark.parametrize("origin", ["https://zhengai.example.edu.cn",
                                    "https://zhengai.example.edu.cn:8443"])
def test_forms_post_through_the_guides_https_proxy(sqlite_template, tmp_path, origin):
    """Over HTTPS the CSRF check also wants the form to come from this very site (its Referer,
    port included): behind the guide's nginx a sign-in goes through on any port, and a form
    from another site is still turned away."""
    headers = _guide_nginx_headers(origin, "10.2.3.4")
    assert headers["X-Forwarded-Proto"] == "https"
    with own_app(sqlite_template, tmp_path, PROXIES=1, WTF_CSRF_ENABLED=True) as app:
        client = app.test_client()
        form = wrong_sign_in(client, headers)
        ours = client.post("/login", data=form, headers={**headers, "Referer": f"{origin}/login"})
        assert ours.status_code == 401  # reached the sign-in check: a wrong password
        theirs = client.post("/login", data=form,
                             headers={**headers, "Referer": "https://elsewhere.example/login"})
        assert theirs.status_code == 400
        assert db.session.scalars(select(LoginFailure.remote_addr)).all() == ["10.2.3.4"]


def test_behind_a_balancer_and_nginx_the_browsers_scheme_and_address_count(
        sqlite_template, tmp_path):
    """PROXIES=2 as the guide says for a balancer that ends TLS in front of nginx: the address
    and scheme are the browser's, not the balancer's (so HTTPS's stricter CSRF check holds)."""
    headers = {"Host": "zhengai.example.edu.cn", "X-Forwarded-For": "10.2.3.4, 10.0.0.9",
               "X-Forwarded-Proto": "https, http"}
    with own_app(sqlite_template, tmp_path, PROXIES=2, WTF_CSRF_ENABLED=True) as app:
        client = app.test_client()
        form = wrong_sign_in(client, headers)
        assert client.post("/login", data=form, headers=headers).status_code == 400  # no Referer
        referred = {**headers, "Referer": "https://zhengai.example.edu.cn/login"}
        assert client.post("/login", data=form, headers=referred).status_code == 401
        assert db.session.scalars(select(LoginFailure.remote_addr)).all() == ["10.2.3.4"]
