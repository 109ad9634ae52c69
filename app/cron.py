"""RQ cron configuration: `rq cron app/cron.py --url $REDIS_URL` (see `make scheduler`).

Every row of app/scheduler.py's SCHEDULE, the table `make run` also runs in-process."""

from rq import cron

from app.scheduler import SCHEDULE

for step in SCHEDULE:
    if step.every is not None:
        cron.register(step.func, queue_name="default", interval=int(step.every), name=step.name)
    else:
        cron.register(step.func, queue_name="default", cron=step.cron(), name=step.name)
