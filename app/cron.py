"""RQ cron configuration: `rq cron app/cron.py --url $REDIS_URL` (see `make scheduler`)."""

from rq import cron

from app.analytics.pipeline import drain_job
from app.engagement.pipeline import drain_job as engagement_drain_job
from app.finance.reconcile import reconcile_yesterday
from app.periodic import sweep_jobs, tick_contracts

cron.register(tick_contracts, queue_name="default", interval=60, name="contracts-tick")
cron.register(sweep_jobs, queue_name="default", interval=30, name="jobs-sweep")
cron.register(
    reconcile_yesterday, queue_name="default", cron="30 2 * * *", name="finance-reconcile"
)
cron.register(drain_job, queue_name="default", interval=5, name="analytics-drain")
cron.register(engagement_drain_job, queue_name="default", interval=5, name="engagement-drain")
