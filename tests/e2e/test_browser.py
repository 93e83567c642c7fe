"""End to end in a real browser: the target stage of one major cycle, returned once and approved.

The real product (CSRF on, demo college loaded) is served by waitress over HTTP and driven
by headless Chromium through Playwright. Elements are found by id, name and CSS class, never
by button labels, so the walk works whether or not the Chinese catalog has been compiled.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app import create_app
from app.extensions import db
from app.models import Cycle, OrgUnit
import config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PASSWORD = "Demo@2026"
MAJOR_LEAD = "2005560"       # 汪浩, 专业负责人 of 软件技术
DEPARTMENT_HEAD = "2005424"  # 许婷斌, head of 信息工程学院
QUALITY_OFFICE = "2005341"   # 肖雅平, 质量管理办公室主任
MAJOR = "软件技术"
DEPARTMENT = "信息工程学院"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 10_000

SUMMARY_1 = "对标省级高水平专业群建设要求，提升软件技术专业的就业质量与技能竞赛成绩。"
INDICATOR = "M04 专业相关度"  # a target must name an indicator of the library
BASELINE = "78.5"
TARGET_1 = "85"
TARGET_2 = "90"
DEADLINE = "2027-06-30"
RETURN_REASON = "目标值偏低，请对照省级标准重新测算对口就业率。"


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"Chromium not found at {CHROMIUM}; REQUIRE_BROWSER=1 makes this a failure")
    pytest.skip("Chromium not found at /usr/bin/chromium; install Debian's chromium "
                "(set REQUIRE_BROWSER=1 to fail instead)")


@pytest.fixture
def live_server(demo_template, tmp_path):
    """The product on a copy of the demo college's database, served by waitress."""
    import waitress

    path = tmp_path / "spiral.db"
    shutil.copy(demo_template[0], path)
    app = create_app(config.TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
                     WTF_CSRF_ENABLED=True)
    with app.app_context():
        major = aliased(OrgUnit)
        department = aliased(OrgUnit)
        department_cycles = db.session.scalar(
            select(func.count(Cycle.id)).join(major, major.id == Cycle.unit_id)
            .join(department, department.id == major.parent_id)
            .where(department.name == DEPARTMENT, Cycle.level == "major", Cycle.stage == "target"))
        db.session.remove()
    assert department_cycles, f"the demo should launch cycles under {DEPARTMENT}"

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.effective_port}",
               "department_cycles": department_cycles}
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def browser_page(tmp_path):
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        server_errors: list[str] = []
        page.on("response", lambda r: server_errors.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 500 else None)
        try:
            yield page, server_errors
        finally:
            context.close()
            browser.close()


def _shot(page, tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    page.screenshot(path=str(target), full_page=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(target, ARTIFACTS / name)


def _sign_in(page, base: str, username: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")  # Chinese is the default
    page.locator("main form input[name=username]").fill(username)
    page.locator("main form input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("header .who")).to_contain_text(f"（{username}）")


def _sign_out(page, base: str) -> None:
    from playwright.sync_api import expect

    page.locator("header .who form button").click()
    expect(page).to_have_url(f"{base}/login")
    expect(page.locator("header .who")).to_have_count(0)


# Where each list shows the subject and the round (the review queue starts with a tick box).
COLUMNS = {"#my-tasks": {"subject": 1, "round": 5}, "#review-queue": {"subject": 2, "round": 5}}


def _row(page, table: str, unit: str):
    """The row of `table` whose subject cell is exactly `unit`."""
    cell = f"td:nth-child({COLUMNS[table]['subject']})"
    return page.locator(f"{table} tbody tr").filter(
        has=page.locator(cell, has_text=re.compile(rf"^\s*{re.escape(unit)}\s*$")))


def _open_from(page, table: str, unit: str, round_: int | None = None) -> str:
    """Open the single task for `unit` in the list `table`; returns the task page's path."""
    from playwright.sync_api import expect

    row = _row(page, table, unit)
    expect(row).to_have_count(1)
    if round_ is not None:
        column = COLUMNS[table]["round"]
        expect(row.locator(f"td:nth-child({column})")).to_have_text(str(round_))
    row.locator("a.button").click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+$"))
    return page.url


def _target_row(fill, indicator: str) -> int:
    """The row of the targets table that names `indicator` (the form arrives pre-filled with the
    unit's targets and last turn's results), else the first empty one."""
    code = indicator.split()[0]
    empty = None
    for i in range(fill.locator("input[name$=-indicator][name^=targets-]").count()):
        value = fill.locator(f"input[name=targets-{i}-indicator]").input_value()
        if value.split()[:1] == [code] or value == indicator:
            return i
        if not value and empty is None:
            empty = i
    return empty


@pytest.mark.browser
def test_target_stage_returned_then_approved_through_the_browser(live_server, browser_page,
                                                                 tmp_path):
    from playwright.sync_api import expect

    page, server_errors = browser_page
    base = live_server["url"]
    cycle_url = re.compile(re.escape(base) + r"/cycles/\d+$")
    fill = page.locator("#fill-form")
    review = page.locator("#review-form")

    # 1. The major lead fills in the target stage from 我的待办.
    _sign_in(page, base, MAJOR_LEAD)
    expect(page).to_have_url(f"{base}/")
    _open_from(page, "#my-tasks", MAJOR, round_=1)
    expect(fill).to_be_visible()
    fill.locator("textarea[name=summary]").fill(SUMMARY_1)
    row = _target_row(fill, INDICATOR)
    fill.locator(f"input[name=targets-{row}-indicator]").fill(INDICATOR)
    fill.locator(f"input[name=targets-{row}-baseline]").fill(BASELINE)
    fill.locator(f"input[name=targets-{row}-target]").fill(TARGET_1)
    fill.locator(f"input[name=targets-{row}-deadline]").fill(DEADLINE)
    fill.locator("button.primary[type=submit]").click()
    expect(page).to_have_url(cycle_url)
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator("h1")).to_contain_text(MAJOR)
    expect(page.locator("#stages li.current")).to_have_attribute("data-stage", "target")
    expect(page.locator("#stages li.current .status.submitted")).to_be_visible()
    cycle_page = page.url
    _sign_out(page, base)

    # 2. The department head returns it: first without a reason (refused), then with one.
    _sign_in(page, base, DEPARTMENT_HEAD)
    task_page = _open_from(page, "#my-tasks", MAJOR, round_=1)
    expect(review).to_be_visible()
    expect(page.locator(".deliverable")).to_contain_text(INDICATOR)
    review.locator("button.danger").click()
    expect(page).to_have_url(task_page)
    expect(page.locator(".flash.error")).to_be_visible()
    expect(page.locator(".flash.error")).not_to_have_text(re.compile(r"^\s*$"))
    expect(page.locator(".meta .badge.done")).to_have_count(0)  # the task is still open
    expect(review).to_be_visible()
    review.locator("textarea[name=comment]").fill(RETURN_REASON)
    review.locator("button.danger").click()
    expect(page).to_have_url(cycle_page)
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator("#stages li.current .status.returned")).to_be_visible()
    _sign_out(page, base)

    # 3. The major lead gets round 2 with his previous values and raises the target.
    _sign_in(page, base, MAJOR_LEAD)
    _open_from(page, "#my-tasks", MAJOR, round_=2)
    expect(fill).to_be_visible()
    expect(fill.locator("textarea[name=summary]")).to_have_value(SUMMARY_1)
    expect(fill.locator(f"input[name=targets-{row}-indicator]")).to_have_value(INDICATOR)
    expect(fill.locator(f"input[name=targets-{row}-baseline]")).to_have_value(BASELINE)
    expect(fill.locator(f"input[name=targets-{row}-target]")).to_have_value(TARGET_1)
    expect(fill.locator(f"input[name=targets-{row}-deadline]")).to_have_value(DEADLINE)
    fill.locator(f"input[name=targets-{row}-target]").fill(TARGET_2)
    fill.locator("button.primary[type=submit]").click()
    expect(page).to_have_url(cycle_page)
    expect(page.locator(".flash.success")).to_be_visible()
    _sign_out(page, base)

    # 4. The department head approves round 2 (from the review queue this time).
    _sign_in(page, base, DEPARTMENT_HEAD)
    page.goto(f"{base}/review/")
    _open_from(page, "#review-queue", MAJOR, round_=2)
    expect(page.locator(".deliverable")).to_contain_text(TARGET_2)
    review.locator("button.primary").click()
    expect(page).to_have_url(cycle_page)
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator("#stages li.current")).to_have_attribute("data-stage", "target")
    _sign_out(page, base)

    # 5. The quality office sees the cycle still under 目标 on the dashboard, then approves.
    _sign_in(page, base, QUALITY_OFFICE)
    page.goto(f"{base}/dashboard/")
    matrix = page.locator("#matrix")
    expect(matrix).to_be_visible()
    department_row = matrix.locator("tbody tr").filter(
        has=page.locator("th", has_text=re.compile(rf"^\s*{DEPARTMENT}\s*$")))
    expect(department_row).to_have_count(1)
    expect(department_row.locator("a[href*='stage=target']")).to_have_text(
        str(live_server["department_cycles"]))
    expect(department_row.locator("a[href*='stage=standard']")).to_have_count(0)
    _shot(page, tmp_path, "dashboard.png")

    page.goto(f"{base}/review/")
    _open_from(page, "#review-queue", MAJOR, round_=2)
    review.locator("button.primary").click()
    expect(page).to_have_url(cycle_page)
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator("#stages li.current")).to_have_count(1)
    expect(page.locator("#stages li.current")).to_have_attribute("data-stage", "standard")
    expect(page.locator("#stages li[data-stage=target]")).to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator("#stages li[data-stage=target] .status.approved")).to_be_visible()
    expect(page.locator("#history")).to_contain_text(RETURN_REASON)
    _shot(page, tmp_path, "cycle.png")

    page.goto(f"{base}/dashboard/")
    expect(department_row.locator("a[href*='stage=standard']")).to_have_text("1")

    assert not server_errors, f"server errors: {server_errors}"


# level: (subject as listed, owner, the reviewers in chain order, an indicator of the level)
CHAINS = {
    "school": ("示例职业技术学院", QUALITY_OFFICE, ["2005074", "2005045"], "S03"),  # 质保委, chair
    "course": ("Java程序设计", "2005573", ["2005560", DEPARTMENT_HEAD], "K02 课程不及格率"),
    "teacher": ("向婷梅", "2005636", [DEPARTMENT_HEAD, "2005235"], "T03"),  # 人事处 for targets
    "student": ("2025级软件技术1班", "2005457", [DEPARTMENT_HEAD], "到课率"),
}


@pytest.mark.browser
@pytest.mark.parametrize("level", CHAINS)
def test_other_levels_pass_their_own_chain_in_the_browser(live_server, browser_page, level):
    """The first stage of the school, a course, a teacher and a class goes through its own chain."""
    from playwright.sync_api import expect

    page, server_errors = browser_page
    base = live_server["url"]
    subject, owner, reviewers, indicator = CHAINS[level]
    fill = page.locator("#fill-form")

    _sign_in(page, base, owner)
    _open_from(page, "#my-tasks", subject, round_=1)
    fill.locator("textarea[name=summary]").fill("本学期目标")
    row = _target_row(fill, indicator)
    fill.locator(f"input[name=targets-{row}-indicator]").fill(indicator)
    fill.locator(f"input[name=targets-{row}-baseline]").fill("85")
    fill.locator(f"input[name=targets-{row}-target]").fill("90")
    fill.locator(f"input[name=targets-{row}-deadline]").fill("2027-01-15")
    for i in range(fill.locator("input[name^=targets-][name$=-baseline]").count()):
        baseline = fill.locator(f"input[name=targets-{i}-baseline]")  # a proposed row lacks it
        if not baseline.input_value() and fill.locator(
                f"input[name=targets-{i}-indicator]").input_value():
            baseline.fill("50")
    fill.locator("button.primary[type=submit]").click()
    expect(page.locator(".flash.success")).to_be_visible()
    cycle_page = page.url
    _sign_out(page, base)

    for reviewer in reviewers:
        _sign_in(page, base, reviewer)
        page.goto(f"{base}/review/")
        _open_from(page, "#review-queue", subject, round_=1)
        page.locator("#review-form button.primary").click()
        expect(page.locator(".flash.success")).to_be_visible()
        _sign_out(page, base)

    _sign_in(page, base, owner)
    page.goto(cycle_page)
    expect(page.locator("#stages li.current")).to_have_attribute("data-stage", "standard")
    assert server_errors == []


STATUS_DATA = Path(__file__).resolve().parents[2] / "app" / "data" / "measurements-major.csv"
WARNED_LEAD = "2005486"  # 龚建艳, 计算机应用技术: its 2026 enrolment rate is below the line


@pytest.mark.browser
def test_status_data_raises_warnings_that_their_owner_works_off(live_server, browser_page,
                                                                tmp_path):
    """The quality office imports the status data; each crossing opens a warning for its major's
    lead, who acknowledges it, records a measure, and confirms the targets handed down."""
    from playwright.sync_api import expect

    page, server_errors = browser_page
    base = live_server["url"]

    _sign_in(page, base, QUALITY_OFFICE)
    page.goto(f"{base}/indicators/")
    page.locator("#import-form input[type=file]").set_input_files(str(STATUS_DATA))
    page.locator("#import-form button").click()
    expect(page.locator("#accept-form")).to_be_visible()
    expect(page.locator("#bad-rows")).to_have_count(0)
    page.locator("#accept-form button").click()
    expect(page.locator(".flash.success")).to_be_visible()
    page.goto(f"{base}/warnings/")
    expect(page.locator("#warnings tbody tr")).to_have_count(8)  # the 2026 crossings
    page.goto(f"{base}/dashboard/")
    expect(page.locator("#light-summary a")).to_be_visible()
    expect(page.locator("#monitoring strong").first).not_to_have_text("0")
    page.locator("#light-summary a").click()
    expect(page.locator("#lights td.light-red").first).to_be_visible()
    _shot(page, tmp_path, "lights.png")
    _sign_out(page, base)

    _sign_in(page, base, WARNED_LEAD)
    rows = page.locator("#my-warnings tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("a.button").click()
    expect(page.locator("#warning-states li.current")).to_have_attribute("data-state", "open")
    page.locator("#warning-actions form.inline button").click()
    expect(page.locator("#warning-states li.current")).to_have_attribute("data-state",
                                                                         "acknowledged")
    page.locator("#rectify-form button").click()  # no measure yet: refused, nothing changes
    expect(page.locator(".flash.error")).to_be_visible()
    page.locator("#rectify-form textarea[name=measure]").fill("走访未报到新生，落实补报到与转专业")
    page.locator("#rectify-form button").click()
    expect(page.locator("#warning-states li.current")).to_have_attribute("data-state",
                                                                         "rectifying")
    expect(page.locator("#history")).to_contain_text("走访未报到新生")
    _shot(page, tmp_path, "warning.png")

    page.goto(f"{base}/")
    targets = page.locator("#my-targets tbody tr")
    expect(targets).to_have_count(2)  # the college's two goals, handed down by 信息工程学院
    targets.first.locator("a.button").click()
    page.locator("#decide-target form.inline button").click()
    expect(page.locator("#target-status .badge.target-confirmed")).to_be_visible()
    page.goto(f"{base}/")
    expect(page.locator("#my-targets tbody tr")).to_have_count(1)
    assert server_errors == []
