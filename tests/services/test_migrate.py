"""`flask workflows migrate`: running cycles move to a new version; a dry run changes nothing,
the real run keeps every history row, and a cycle that cannot be mapped is refused with why."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Cycle, Task
from app.services import cycles as service
from tests import builders
from tests.builders import TARGETS, open_task
from tests.workflows.test_diff import major_v2
from workflows import registry
from workflows.loader import load_text


@pytest.fixture
def world(app):
    """Cycles launched on v1, before v2 exists."""
    return _world()


@pytest.fixture
def v2(world):
    definition = load_text(major_v2(), "major-v2.toml")
    registry.register(definition)
    yield definition
    registry.unregister("major", 2)


def _world():
    world = builders.launched_college(db.session)
    learning, designing, reviewing = (world.cycles[c] for c in ("510203", "510201", "460301"))
    for cycle, stage in ((learning, "learn"), (designing, "design")):
        db.session.execute(Cycle.__table__.update().where(Cycle.id == cycle.id).values(stage=stage))
        db.session.execute(Task.__table__.update().where(Task.cycle_id == cycle.id)
                           .values(stage=stage))
    db.session.commit()
    # 机械: targets approved by the department, now at the quality office's step (step 2)
    service.submit(db.session, open_task(db.session, reviewing).id, world.lead3, TARGETS)
    service.approve(db.session, open_task(db.session, reviewing).id, world.head2)
    return world


def snapshot():
    return (sorted(db.session.execute(select(Cycle.id, Cycle.definition_version, Cycle.stage)).all()),
            sorted(db.session.execute(select(Task.id, Task.stage, Task.status)).all()),
            db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all())


def migrate(app, *args):
    result = app.test_cli_runner().invoke(args=["workflows", "migrate", "major", "--to", "2", *args])
    db.session.expire_all()
    return result


def test_dry_run_reports_every_cycle_and_changes_nothing(app, world, v2):
    before = snapshot()
    result = migrate(app, "--map", "learn=reflect", "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"cycle {world.cycles['510203'].id} 软件技术: v1 learn → v2 reflect" in out
    assert f"cycle {world.cycles['510201'].id} 计算机应用技术: v1 design → v2 design" in out
    assert "机械制造及自动化: v1 target → REFUSED: an open review is at step 2" in out
    assert "dry run: 2 would move, 1 refused; nothing changed" in out
    assert snapshot() == before


def test_an_unmapped_stage_is_refused_with_the_way_to_map_it(app, world, v2):
    result = migrate(app, "--dry-run")
    assert ("软件技术: v1 learn → REFUSED: stage 'learn' does not exist in v2; "
            "map it with --map learn=STAGE") in result.output


def test_the_real_run_moves_what_it_can_and_keeps_all_history(app, world, v2):
    history_before = snapshot()[2]
    result = migrate(app, "--map", "learn=reflect")
    assert "moved 2 cycle(s); 1 refused" in result.output
    learning = db.session.get(Cycle, world.cycles["510203"].id)
    assert (learning.definition_version, learning.stage) == (2, "reflect")
    assert open_task(db.session, learning).stage == "reflect"
    assert db.session.get(Cycle, world.cycles["460301"].id).definition_version == 1
    history_after = snapshot()[2]
    assert history_after[:len(history_before)] == history_before
    moves = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "migrate")).all()
    assert sorted((e.from_stage, e.to_stage) for e in moves) == [("design", "design"),
                                                                ("learn", "reflect")]
    # the moved cycle carries on under v2: its reflect stage can be submitted
    service.submit(db.session, open_task(db.session, learning).id, world.lead1,
                   builders.valid_fields(v2.stage("reflect")))
    assert open_task(db.session, learning).kind == "review"


@pytest.mark.parametrize("args,message", [
    (["--map", "learn"], "write OLD=NEW"),
    (["--map", "learn=nowhere"], "has no stage 'nowhere'"),
])
def test_bad_maps_are_refused(app, world, v2, args, message):
    result = migrate(app, *args)
    assert result.exit_code != 0 and message in result.output


def test_migrating_to_an_unknown_version_is_refused(app):
    result = app.test_cli_runner().invoke(args=["workflows", "migrate", "major", "--to", "9"])
    assert result.exit_code != 0 and "no workflow definition major v9" in result.output


def test_diff_command_compares_a_version_with_a_file(app, tmp_path):
    path = tmp_path / "major-v2.toml"
    path.write_text(major_v2(), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["workflows", "diff", "major@1", str(path)])
    assert result.exit_code == 0 and "+ stage reflect" in result.output
    bad = app.test_cli_runner().invoke(args=["workflows", "diff", "major@7", str(path)])
    assert bad.exit_code != 0 and "NAME@VERSION" in bad.output


def test_nothing_is_migrated_into_closed(app, world, v2):
    result = migrate(app, "--map", "learn=closed")
    assert result.exit_code != 0 and "not by migrating" in result.output


def test_a_mapping_onto_a_stage_already_delivered_is_refused(app, world, v2):
    # 计算机应用技术 is in design and has its targets delivered; mapping design→target collides
    cycle = world.cycles["510201"]
    from app.models import Deliverable
    db.session.add(Deliverable(cycle_id=cycle.id, stage="target", status="approved",
                               current_version=1))
    db.session.commit()
    result = migrate(app, "--map", "design=target", "--map", "learn=reflect", "--dry-run")
    assert "计算机应用技术: v1 design → REFUSED: it already has a deliverable for 'target'" \
        in result.output


def test_diff_of_a_file_that_is_not_text_is_a_clear_error(app, tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00garbage")
    result = app.test_cli_runner().invoke(args=["workflows", "diff", str(path), "major@1"])
    assert result.exit_code != 0 and "Invalid value" in result.output
