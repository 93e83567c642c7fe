"""The engine walk: N major cycles through all nine stages, submit and approve at each, one
transaction per action, three ways on the same database:

- Spiral's services (what the web pages and the API call);
- SpiffWorkflow 3.x on a BPMN of nine fill and review user tasks with a return loop, its state
  serialized to the database after each action;
- the statements Spiral's services issue, written out raw with no framework: the floor.

Each returns actions per second (submits and approvals; the two timer moves are not counted).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import time
import uuid

from sqlalchemy import create_engine, select, text

TZ = dt.timezone(dt.timedelta(hours=8))
START = dt.datetime(2026, 9, 7, 9, tzinfo=TZ)


# ---------------------------------------------------------------- Spiral's services

def migrate() -> None:
    """Bring the app's database to the newest schema, without alembic's chatter (its
    logging is configured afresh on each upgrade, so it is sent aside here)."""
    from flask_migrate import upgrade
    with contextlib.redirect_stderr(io.StringIO()):
        upgrade()


def _college(session, n: int):
    """A college with one department of `n` majors, each with its lead."""
    from app.models import OrgUnit, Period, RoleAssignment, User
    from app.services.measurements import seed_indicators
    from pathlib import Path
    template = User(username="-", name="-", unit_id=0)
    template.set_password("Bench@2026")

    def unit(code, name, kind, parent=None):
        u = OrgUnit(code=code, name=name, kind=kind, parent=parent,
                    path=(parent.path if parent else "/") + f"{code}/")
        session.add(u)
        return u

    def person(username, home, *roles):
        user = User(username=username, name=username, unit=home,
                    password_hash=template.password_hash)
        session.add(user)
        for role, scope in roles:
            session.add(RoleAssignment(user=user, role=role, unit=scope))
        return user

    college = unit("C", "学院", "college")
    office = unit("O09", "督导处", "office", college)
    department = unit("D01", "信息工程学院", "department", college)
    qo = person("qo", office, ("quality_office", college), ("unit_leader", office))
    head = person("head", department, ("unit_leader", department))
    for i in range(n):
        major = unit(f"M{i:04d}", f"专业{i}", "major", department)
        person(f"lead{i}", major, ("major_lead", major))
    year = Period(kind="year", name="2026-2027学年", start=dt.date(2026, 9, 1),
                  end=dt.date(2027, 8, 31), data_label="2026")
    session.add(year)
    session.commit()
    seed_indicators(session, Path(__file__).resolve().parents[1] / "app" / "data"
                    / "indicators.yaml")
    return {"qo": qo, "head": head, "year": year}


def _fields(stage) -> dict:
    """A valid deliverable for the stage (its tables name an indicator of the library)."""
    out = {}
    for f in stage.form:
        if f.type == "table":
            out[f.name] = [{c.name: "M01" if c.name == "indicator" else _value(c)
                            for c in f.columns}]
        else:
            out[f.name] = _value(f)
    return out


def _value(f):
    return {"text": "按计划完成", "number": "90", "date": "2027-06-30"}.get(
        f.type, f.choices[0][0] if f.choices else "按计划完成")


def spiral(url: str, n: int, floor_url: str | None = None) -> tuple[float, float | None]:
    """Actions per second of Spiral's services walking `n` major cycles to closed; with
    `floor_url`, also of the very statements they issued, replayed raw on a copy of the
    starting database (the floor: the database's own cost, no framework)."""
    from sqlalchemy import event

    from app import create_app
    from app.extensions import db
    from app.models import Cycle, Task, User
    from app.services import cycles as service
    from config import TestConfig

    def prepare(target: str):
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=target)
        context = app.app_context()
        context.push()
        migrate()
        people = _college(db.session, n)
        result = service.launch_cycles(db.session, None, "major", people["year"].id, now=START)
        return app, context, people, result.created

    if floor_url:  # the same starting point, for the replay
        _app, context, _people, _cycles = prepare(floor_url)
        db.session.remove()
        db.engine.dispose()
        context.pop()
    app, context, people, created = prepare(url)
    try:
        deciders = {"unit_leader": people["head"].id, "quality_office": people["qo"].id}
        cycle_ids = [c.id for c in created]
        definition = created[0].definition
        owners = {c.id: c.owner_id for c in created}
        users = {u.id: u for u in db.session.scalars(select(User))}
        fields = {s.name: _fields(s) for s in definition.stages}
        script: list = []

        def record(_conn, _cursor, statement, parameters, _context, executemany):
            script.append((statement, parameters, executemany))

        def committed(_conn):
            script.append(None)

        actions = 0
        event.listen(db.engine, "before_cursor_execute", record)
        event.listen(db.engine, "commit", committed)
        start = time.perf_counter()
        for stage in definition.stages:
            for cycle_id in cycle_ids:
                task_id = db.session.scalar(select(Task.id).where(
                    Task.cycle_id == cycle_id, Task.status == "open"))
                service.submit(db.session, task_id, users[owners[cycle_id]], fields[stage.name],
                               now=START)
                actions += 1
                for step in stage.reviews:
                    task_id = db.session.scalar(select(Task.id).where(
                        Task.cycle_id == cycle_id, Task.status == "open"))
                    service.approve(db.session, task_id, users[deciders[step.role]], "同意",
                                    now=START)
                    actions += 1
            if stage.timer:
                service.advance_timers(db.session, getattr(
                    db.session.get(Cycle, cycle_ids[0]), stage.timer.plan_field))
        elapsed = time.perf_counter() - start
        event.remove(db.engine, "before_cursor_execute", record)
        event.remove(db.engine, "commit", committed)
        closed = db.session.scalar(select(text("count(*)")).select_from(Cycle)
                                   .where(Cycle.stage == "closed"))
        assert closed == n, f"{closed} of {n} cycles closed"
    finally:
        db.session.remove()
        db.engine.dispose()
        context.pop()
    floor = actions / _replay(floor_url, script) if floor_url else None
    return actions / elapsed, floor


def _replay(url: str, script: list) -> float:
    """Issue recorded statements on a raw DB-API connection, committing where they did;
    return the seconds it took."""
    engine = create_engine(url)
    connection = engine.raw_connection()
    cursor = connection.cursor()
    sqlite = engine.dialect.name == "sqlite"
    start = time.perf_counter()
    for entry in script:
        if entry is None:
            connection.commit()
            continue
        statement, parameters, many = entry
        if sqlite and statement.startswith("BEGIN"):
            continue  # the DB-API begins its own transaction before the first write
        # a many-rows insert may come as one batched statement (insertmanyvalues)
        if many and isinstance(parameters, (list, tuple)) and parameters \
                and isinstance(parameters[0], (tuple, list, dict)):
            cursor.executemany(statement, parameters)
        else:
            cursor.execute(statement, parameters)
    connection.commit()
    elapsed = time.perf_counter() - start
    cursor.close()
    connection.close()
    engine.dispose()
    return elapsed


# ---------------------------------------------------------------- SpiffWorkflow

STAGES = ("target", "standard", "design", "organize", "implement", "monitor", "diagnose",
          "learn", "improve")


def bpmn() -> str:
    """Nine stages, each a fill-in and a review; a return goes back to the fill-in."""
    nodes = ['<bpmn:startEvent id="start"/>', '<bpmn:endEvent id="end"/>']
    flows = [("start", "fill_target", None)]
    for i, stage in enumerate(STAGES):
        fill, review, gate = f"fill_{stage}", f"review_{stage}", f"gate_{stage}"
        nodes += [f'<bpmn:userTask id="{fill}" name="{stage} fill"/>',
                  f'<bpmn:userTask id="{review}" name="{stage} review"/>',
                  f'<bpmn:exclusiveGateway id="{gate}"/>']
        following = "end" if i == len(STAGES) - 1 else f"fill_{STAGES[i + 1]}"
        flows += [(fill, review, None), (review, gate, None),
                  (gate, following, "approved == True"), (gate, fill, "approved == False")]
    xml_flows = []
    for n, (source, target, condition) in enumerate(flows):
        body = (f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}'
                f'</bpmn:conditionExpression>' if condition else "")
        xml_flows.append(f'<bpmn:sequenceFlow id="flow{n}" sourceRef="{source}" '
                         f'targetRef="{target}">{body}</bpmn:sequenceFlow>')
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs" '
            'targetNamespace="http://spiral.example/bench">'
            '<bpmn:process id="major" isExecutable="true">'
            + "".join(nodes) + "".join(xml_flows) + "</bpmn:process></bpmn:definitions>")


def spiff(url: str, n: int) -> float:
    """Actions per second of SpiffWorkflow walking `n` instances, its state in the database."""
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState
    parser = BpmnParser()
    parser.add_bpmn_io(io.BytesIO(bpmn().encode()), "major.bpmn")
    spec = parser.get_spec("major")
    serializer = BpmnWorkflowSerializer()
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE spiff_workflows (id INTEGER PRIMARY KEY, "
                                "state TEXT NOT NULL)"))
        for i in range(n):
            workflow = BpmnWorkflow(spec)
            workflow.do_engine_steps()
            connection.execute(text("INSERT INTO spiff_workflows (id, state) VALUES (:i, :s)"),
                               {"i": i, "s": serializer.serialize_json(workflow)})
    actions, start = 0, time.perf_counter()
    for _stage in STAGES:
        for i in range(n):
            for _step in ("fill", "review"):
                with engine.begin() as connection:
                    state = connection.execute(text("SELECT state FROM spiff_workflows "
                                                    "WHERE id = :i"), {"i": i}).scalar()
                    workflow = serializer.deserialize_json(state)
                    task = workflow.get_next_task(state=TaskState.READY, manual=True)
                    task.data["approved"] = True
                    task.run()
                    workflow.do_engine_steps()
                    connection.execute(text("UPDATE spiff_workflows SET state = :s WHERE id = :i"),
                                       {"s": serializer.serialize_json(workflow), "i": i})
                actions += 1
    elapsed = time.perf_counter() - start
    with engine.begin() as connection:
        done = serializer.deserialize_json(connection.execute(text(
            "SELECT state FROM spiff_workflows WHERE id = 0")).scalar()).is_completed()
        connection.execute(text("DROP TABLE spiff_workflows"))
    engine.dispose()
    assert done, "the Spiff walk did not complete"
    return actions / elapsed


def fresh_url(kind: str, folder: str, admin_url: str | None = None) -> tuple[str, callable]:
    """An empty database to measure on, and how to drop it afterwards."""
    if kind == "sqlite":
        path = f"{folder}/{uuid.uuid4().hex[:8]}.db"
        return f"sqlite:///{path}", (lambda: None)
    name = f"spiral_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop
