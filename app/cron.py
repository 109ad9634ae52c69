"""RQ cron configuration: `rq cron app/cron.py --url $REDIS_URL` (see `make scheduler`)."""

from rq import cron

from app.periodic import sweep_jobs, tick_contracts

cron.register(tick_contracts, queue_name="default", interval=60, name="contracts-tick")
cron.register(sweep_jobs, queue_name="default", interval=30, name="jobs-sweep")
