"""``flask wuye worker``: an RQ worker with the scheduler, on WUYE_REDIS_URL."""

from jobs import enqueue, schedule
from jobs.schedule import SCHEDULE, latest_slot
from tests.jobs.sample_jobs import add_setting


def test_without_redis_the_worker_explains_embedded_mode(app):
    result = app.test_cli_runner().invoke(args=["wuye", "worker", "--burst"])
    assert result.exit_code == 1
    assert "WUYE_REDIS_URL is not set" in result.output


def test_a_burst_worker_catches_up_the_schedule_and_runs_the_queue(
    app, session, redis, job_row, monkeypatch
):
    monkeypatch.setattr(schedule, "SCHEDULE", SCHEDULE)
    job_id = enqueue(add_setting, "colour", "red")

    result = app.test_cli_runner().invoke(args=["wuye", "worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert job_row(job_id).status == "finished"
    for entry in SCHEDULE:  # each entry's latest slot, caught up by the worker's first tick
        assert job_row(entry.key(latest_slot(entry))).status == "finished"
