"""The job table is the truth, the queue only its transport: work queued while Redis is down
runs once it is back, a job whose worker died runs again, and nothing runs twice."""

import socket
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

import jobs
from app.extensions import unit_of_work
from app.models import JobRun, OutboxMessage, Owner, Setting, Unit
from app.services.billing import run_billing
from app.services.delivery import queue_message
from jobs import enqueue, retry
from jobs.runner import queue_unavailable
from jobs.sweeper import sweep
from jobs.table import add_job, start_job
from tests.jobs.sample_jobs import add_setting
from tests.postgres import _free_port
from tests.views.test_forms import flashes


def settings(session, key):
    session.expire_all()
    return session.scalars(select(Setting.value).where(Setting.key == key)).all()


@pytest.fixture
def redis_down(app, redis_url, monkeypatch):
    """``redis_down(True)`` points the app at a port where nothing listens; False, back."""

    def switch(down: bool) -> None:
        dead = f"redis://127.0.0.1:{_free_port()}/0"
        monkeypatch.setitem(app.config, "WUYE_REDIS_URL", dead if down else redis_url)

    return switch


def test_a_job_is_committed_with_the_work_that_asked_for_it(session, redis, job_row):
    with pytest.raises(RuntimeError), unit_of_work() as uow:
        uow.add(Setting(key="colour", value="blue"))
        enqueue(add_setting, "k", "v", key="never")
        raise RuntimeError("the work failed")
    assert job_row("never") is None  # rolled back with the work, never pushed
    assert redis.keys("rq:job:never") == []

    with unit_of_work() as uow:
        uow.add(Setting(key="colour", value="blue"))
        enqueue(add_setting, "k", "v", key="with-the-work")
    assert job_row("with-the-work").status == "queued"
    assert redis.exists("rq:job:with-the-work")


def test_work_queued_while_redis_is_down_runs_once_it_is_back(
    session, redis, redis_down, work, job_row
):
    redis_down(True)
    with unit_of_work():
        job_id = enqueue(add_setting, "colour", "red", key="while-down")
    assert job_row(job_id).status == "queued"  # recorded, not lost, not failed
    assert queue_unavailable()  # what the edge tells the user

    redis_down(False)
    assert sweep().pushed == [job_id]
    assert sweep().pushed == []  # RQ holds it now
    assert retry(job_id, by="admin") == "pushed"  # pushed again: still one job
    work()
    assert (job_row(job_id).status, job_row(job_id).attempts) == ("finished", 1)
    assert settings(session, "colour") == ["red"]
    assert sweep().pushed == []


def test_a_command_says_so_when_redis_is_down_and_a_worker_runs_its_jobs_later(
    app, session, redis, redis_down, job_row
):
    run_billing(session, date(2026, 1, 1), 1)
    session.commit()
    redis_down(True)
    result = app.test_cli_runner().invoke(args=["wuye", "dunning-scan", "--as-of", "2026-02-01"])
    assert result.exit_code == 0, result.output
    assert "actions created: 2" in result.output
    assert "队列服务（Redis）无法连接" in result.output
    assert "run once Redis is back" in result.output
    queued = session.scalar(
        select(func.count()).select_from(JobRun).where(JobRun.status == "queued")
    )
    assert queued == 2  # the two reminders' deliveries

    redis_down(False)
    result = app.test_cli_runner().invoke(args=["wuye", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    statuses = session.scalars(select(JobRun.status)).all()
    assert statuses == ["finished"] * 2


def _recorded(session, job_id: str, key: str) -> str:
    """A job of the table that no queue was told about."""
    add_job(session, job_id, "tests.jobs.sample_jobs.add_setting", [key, "1"], "default", "", "t")
    session.commit()
    return job_id


def _running(session, job_id: str, worker: str, beaten: datetime | None) -> None:
    start_job(session, job_id, worker)
    session.execute(update(JobRun).where(JobRun.job_id == job_id).values(heartbeat_at=beaten))
    session.commit()


def test_a_job_whose_worker_stopped_beating_runs_again(session, redis, work, job_row):
    now = datetime.now(UTC)
    lost = enqueue(add_setting, "lost", "1", key="lost")
    alive = enqueue(add_setting, "alive", "1", key="alive")
    redis.flushdb()  # as if Redis had restarted empty under the two running jobs
    _running(session, lost, "rq:gone", now - timedelta(minutes=5))
    _running(session, alive, "rq:busy", now)

    swept = sweep()

    assert (swept.lost, swept.pushed) == (["lost"], ["lost"])
    row = job_row(lost)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "the worker running it (rq:gone) is gone" in row.error
    assert job_row(alive).status == "running"  # beaten a moment ago: left alone
    assert retry(alive, by="admin") is None  # nor will Admin's retry run it twice
    work()
    assert (job_row(lost).status, job_row(lost).attempts) == ("finished", 2)
    assert settings(session, "lost") == ["1"]


def test_a_job_lost_on_its_last_attempt_fails(session, redis, job_row):
    job_id = enqueue(add_setting, "k", "v", key="spent")
    session.execute(update(JobRun).where(JobRun.job_id == job_id).values(attempts=3))
    session.commit()
    _running(session, job_id, "rq:gone", None)
    assert sweep().lost == [job_id]
    assert (job_row(job_id).status, job_row(job_id).attempts) == ("failed", 4)
    assert retry(job_id, by="admin") == "requeued"  # Admin may still run it again


def test_embedded_mode_runs_again_what_an_ended_process_left_running(session, job_row):
    job_id = _recorded(session, "left", "left")
    ended = subprocess.Popen(["true"])
    ended.wait()  # a CLI process that was killed while its job ran
    _running(session, job_id, f"embedded:{socket.gethostname()}:{ended.pid}", None)

    assert sweep().lost == [job_id]
    assert jobs.wait()
    assert (job_row(job_id).status, job_row(job_id).attempts) == ("finished", 2)


def test_admin_retries_a_stuck_job_from_the_screen(session, login, job_row):
    job_id = _recorded(session, "stuck", "stuck")
    _running(session, job_id, "rq:gone", datetime.now(UTC) - timedelta(hours=1))
    pk = job_row(job_id).id

    response = login("Admin").post(f"/jobrunview/action/retry/{pk}", follow_redirects=True)

    assert "任务已重新交给队列" in response.get_data(as_text=True)
    assert jobs.wait()
    assert (job_row(job_id).status, job_row(job_id).attempts) == ("finished", 2)


def test_a_screen_says_so_when_redis_is_down_and_a_worker_runs_its_work_later(
    app, session, login, redis, redis_down, job_row
):
    owner = session.get(Owner, 1)
    owner.e_notice_consent = True
    message = queue_message(
        session, owner, "reminder", "催缴提醒", "请尽快缴费。", unit=session.get(Unit, 1)
    )
    message.status, message.error, message.attempts = "failed", "unknown number", 1
    session.add(Setting(key="quiet_hours", value=""))  # whatever the time of day of the test
    session.commit()
    redis_down(True)
    page = login("Finance").post(
        "/outboxview/action_post",
        data={"action": "resend", "rowid": [message.id]},
        follow_redirects=True,
    )
    assert "队列服务（Redis）无法连接" in flashes(page)
    session.rollback()
    assert session.get(OutboxMessage, message.id).status == "queued"
    [job] = session.scalars(select(JobRun)).all()
    assert (job.function, job.status) == ("jobs.delivery.deliver", "queued")

    redis_down(False)
    result = app.test_cli_runner().invoke(args=["wuye", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert (job_row(job.job_id).status, job_row(job.job_id).attempts) == ("finished", 1)
    session.rollback()
    assert session.get(OutboxMessage, message.id).status == "recorded"
