"""Jobs staged in a transaction run only if it commits, and run once."""

from sqlalchemy import select

from app.extensions import db
from app.jobs import StagedJob, job, run_staged_job, stage_job, sweep_staged_jobs

RUNS: list[int] = []


@job("test.record")
def record(value: int) -> None:
    RUNS.append(value)


def test_staged_job_runs_after_commit_and_only_once(app):
    RUNS.clear()
    with app.test_request_context():
        staged = stage_job("test.record", value=7)
        assert RUNS == []  # not before the commit
        db.session.commit()
        app.process_response(app.response_class())  # end of request: inline jobs run
        assert RUNS == [7]
        run_staged_job(staged.id)  # a second delivery (retry, sweeper) does nothing
        assert RUNS == [7]
        assert db.session.get(StagedJob, staged.id).status == "done"


def test_rolled_back_transaction_discards_its_jobs(app):
    RUNS.clear()
    with app.test_request_context():
        staged_id = stage_job("test.record", value=1).id
        db.session.rollback()
        app.process_response(app.response_class())
        assert RUNS == []
        assert db.session.get(StagedJob, staged_id) is None


def test_failed_job_stays_staged_and_the_sweeper_retries_it(app):
    calls = []

    @job("test.flaky")
    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("Stripe is down")

    with app.test_request_context():
        staged = stage_job("test.flaky")
        db.session.commit()
        app.process_response(app.response_class())
        row = db.session.get(StagedJob, staged.id)
        assert row.status == "staged" and "Stripe is down" in row.last_error
        from datetime import timedelta

        assert sweep_staged_jobs(older_than=timedelta(0)) >= 1
        db.session.expire_all()
        assert db.session.get(StagedJob, staged.id).status == "done"
        assert len(calls) == 2


def test_jobs_are_pushed_to_rq_after_commit_when_redis_is_configured(app, monkeypatch):
    pushed = []
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    monkeypatch.setattr("app.jobs.push_to_queue", lambda job_id: pushed.append(job_id))
    with app.test_request_context():
        staged = stage_job("test.record", value=3)
        assert pushed == []
        db.session.commit()
        assert pushed == [staged.id]
        assert (
            db.session.scalar(select(StagedJob.status).where(StagedJob.id == staged.id)) == "staged"
        )


def test_redis_down_leaves_the_job_staged_for_the_sweeper(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    with app.test_request_context():
        staged = stage_job("test.record", value=4)
        db.session.commit()  # the push fails quietly; the commit stands
        assert db.session.get(StagedJob, staged.id).status == "staged"


@job("test.chain")
def chain(value: int) -> None:
    RUNS.append(value)
    if value < 3:
        stage_job("test.chain", value=value + 1)  # committed by the job's own commit


def test_jobs_staged_by_an_inline_job_run_in_the_same_request(app):
    """Without Redis, a job that stages another (a payout's transfer → its webhook delivery)
    has it run at the end of the same request, not only at the next jobs sweep."""
    RUNS.clear()
    with app.test_request_context():
        stage_job("test.chain", value=1)
        db.session.commit()
        app.process_response(app.response_class())
        assert RUNS == [1, 2, 3]
        waiting = select(StagedJob).where(
            StagedJob.name == "test.chain", StagedJob.status != "done"
        )
        assert db.session.scalars(waiting).all() == []


def test_a_savepoint_released_before_the_commit_pushes_nothing(app, monkeypatch):
    """SQLAlchemy calls after_commit when a SAVEPOINT is released too (``begin_nested()``, as
    every ledger entry does): a job staged before it must still wait for the real commit, or
    a worker takes it while its row is not yet visible, finds nothing and leaves it staged."""
    pushed = []
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    monkeypatch.setattr("app.jobs.push_to_queue", lambda job_id: pushed.append(job_id))
    with app.test_request_context():
        staged = stage_job("test.record", value=5)
        with db.session.begin_nested():  # e.g. post_entry, after a payout's transfer is staged
            stage_job("test.record", value=6)
        assert pushed == []  # the transaction is still open
        db.session.commit()
        assert pushed == [staged.id, staged.id + 1]


def test_a_rollback_after_a_savepoint_discards_the_jobs_staged_before_it(app, monkeypatch):
    pushed = []
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    monkeypatch.setattr("app.jobs.push_to_queue", lambda job_id: pushed.append(job_id))
    with app.test_request_context():
        staged_id = stage_job("test.record", value=8).id
        with db.session.begin_nested():
            pass
        db.session.rollback()
        assert pushed == []
        assert db.session.get(StagedJob, staged_id) is None


def test_a_job_whose_row_is_not_committed_says_so_in_the_workers_log(app, caplog):
    """What a worker met when a job was pushed before its transaction committed: nothing to
    run, now written down (it returned silently, and the payout waited for the sweep)."""
    with app.app_context(), caplog.at_level("WARNING", logger="app.jobs"):
        run_staged_job(987_654_321)
    assert "staged job 987654321 not found" in caplog.text
