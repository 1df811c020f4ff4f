"""``flask wuye worker``: an RQ worker with the scheduler, on WUYE_REDIS_URL."""

from rq.registry import ScheduledJobRegistry

from jobs import enqueue
from jobs.schedule import SCHEDULE, latest_slot, next_slot
from tests.jobs.sample_jobs import add_setting


def test_without_redis_the_worker_explains_embedded_mode(app):
    result = app.test_cli_runner().invoke(args=["wuye", "worker", "--burst"])
    assert result.exit_code == 1
    assert "WUYE_REDIS_URL is not set" in result.output


def test_a_burst_worker_registers_the_schedule_and_runs_the_queue(app, session, redis, job_row):
    job_id = enqueue(add_setting, "colour", "red")

    result = app.test_cli_runner().invoke(args=["wuye", "worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert job_row(job_id).status == "finished"
    for entry in SCHEDULE:  # caught up, and the next slot handed to RQ's scheduler
        assert job_row(entry.key(latest_slot(entry))).status == "finished"
        fire = f"fire-{entry.key(next_slot(entry))}"
        assert fire in ScheduledJobRegistry("default", connection=redis).get_job_ids()
