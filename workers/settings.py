"""The one arq WorkerSettings: every job and cron the workers run is listed here."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from arq import cron, func
from arq.connections import RedisSettings
from arq.worker import Worker, get_kwargs

from backend.audit import tail
from backend.audit.jobs import CHECKPOINT_SECONDS, make_checkpoint_job
from backend.config import get_settings
from backend.db.session import make_engine, make_session_factory
from backend.deployment import require_deployable
from workers.chase import CHASE_HOUR_UTC, chase_holder_certificates, chase_reminders
from workers.fanout import (
    CHUNK_JOB_PREFIX,
    FanOutShare,
    fan_out_chunk,
    fan_out_record_change,
    positive_env,
    resume_after_leases,
    resume_fan_outs,
    settle_collector,
)
from workers.invitation_mail import INVITATION_TRIES, send_account_mail, send_invitation_mail
from workers.mail import MAIL_JOB_TRIES, send_notice_mail
from workers.plain_mail import PLAIN_MAIL_TRIES, send_plain_mail
from workers.procore import (
    RECONCILE_HOUR_UTC,
    procore_hook,
    procore_nightly,
    procore_push,
    procore_reconcile,
)
from workers.read_job import (
    read_document_job,
    start_reader_pool,
    stop_reader_pool,
)
from workers.relay import queue_pending_reads, relay_outbox
from workers.sweep import SWEEP_HOUR_UTC, expiry_sweep
from workers.webhooks import (
    DUE_SWEEP_SECONDS,
    deliver_due_webhooks,
    deliver_webhook,
    dispatch_integration_event,
)

# The relay runs every few seconds as a backstop to the web app's nudge after each commit.
RELAY_SECONDS = set(range(0, 60, 5))
# Jobs one worker process runs at a time (arq's own default): enough to overlap the I/O waits
# of mail, webhooks and reads; of them at most CHUNKS_PER_PROCESS fan-out chunks.
# COINET_WORKER_MAX_JOBS lowers it.
DEFAULT_MAX_JOBS = 10
# Fan-out chunk jobs one worker process runs at a time, whatever its max_jobs. A chunk is CPU
# work on the process's one event loop (one core's worth, the GIL), and the process's batches
# pass one at a time through FanOutShare.gate (a batch holds the audit log's append lock until
# it commits, so it must not wait on a loop busy with another chunk): a second chunk taken by
# the same process only waits there, while an idle process could have run it. arq took up to
# max_jobs (ten) chunks per poll, so a 100,000-engagement fan-out's last ten chunks (a fifth of
# it) could all go to one worker while the other had nothing left; and chunks filled every slot,
# so mail, reads and webhooks waited for the whole fan-out. With one, each process takes the
# next chunk when it is done with its own and keeps its other slots for the other jobs.
CHUNKS_PER_PROCESS = 1
# Queued job ids a worker reads per poll (arq's default: five times max_jobs). A fan-out queues
# all its chunks at once and a process busy with one passes over the rest, so a job queued after
# them is seen only within this many: 1,000 is a fan-out of 2,000,000 engagements at the default
# chunk of 2,000, twenty times the largest sub planned for. Only due jobs are read (~40 bytes
# each).
QUEUE_READ_LIMIT = 1000
_CHUNK_JOB_PREFIX = CHUNK_JOB_PREFIX.encode()


class FanOutWorker(Worker):
    """arq's worker, taking at most CHUNKS_PER_PROCESS fan-out chunk jobs at a time (any jobs
    up to max_jobs in all): the chunk ids it passes over stay queued for the other workers."""

    def chunks_running(self) -> int:
        return sum(
            1
            for job_id, task in self.tasks.items()
            if job_id.startswith(CHUNK_JOB_PREFIX) and not task.done()
        )

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        running = self.chunks_running()
        for job_id in job_ids:
            if job_id.startswith(_CHUNK_JOB_PREFIX):
                if running >= CHUNKS_PER_PROCESS:
                    continue
                await super().start_jobs([job_id])  # another worker may have taken it first
                running = self.chunks_running()
            else:
                await super().start_jobs([job_id])


async def startup(ctx: dict[str, Any]) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = get_settings()
    require_deployable(settings)
    engine = make_engine(settings)
    ctx["settings"] = settings
    ctx["engine"] = engine
    ctx["session_factory"] = make_session_factory(engine)
    # Shared by every fan-out job of this process (each job gets a copy of ctx, not ctx).
    ctx["fan_out_share"] = FanOutShare()
    await start_reader_pool(ctx)
    # A fan-out job of a worker that died with the previous process still looks alive until
    # its lease lapses: look again then, instead of at the next five-minute resume.
    await resume_after_leases(ctx)
    # Last: what start-up made lives as long as the process (workers/fanout.py).
    settle_collector()


async def shutdown(ctx: dict[str, Any]) -> None:
    await stop_reader_pool(ctx)
    await ctx["engine"].dispose()


class WorkerSettings:
    functions: ClassVar[list[Any]] = [
        # keep_result=0 frees the fixed nudge job id ("relay-outbox") as soon as a run ends.
        func(relay_outbox, keep_result=0),
        func(fan_out_record_change, max_tries=10),
        func(fan_out_chunk, max_tries=10),
        func(send_notice_mail, max_tries=MAIL_JOB_TRIES),
        func(read_document_job, max_tries=6),
        # The link's secret must not linger in Redis once sent.
        func(send_invitation_mail, max_tries=INVITATION_TRIES, keep_result=0),
        func(send_account_mail, max_tries=INVITATION_TRIES, keep_result=0),
        func(send_plain_mail, max_tries=PLAIN_MAIL_TRIES),
        resume_fan_outs,
        queue_pending_reads,
        expiry_sweep,
        func(dispatch_integration_event, max_tries=5),
        func(deliver_webhook, max_tries=3),
        func(deliver_due_webhooks, keep_result=0),
        # keep_result=0 frees the per-GC job id at once, so the next change queues a new push.
        func(procore_push, keep_result=0, max_tries=5),
        func(procore_reconcile, max_tries=3),
        func(procore_hook, max_tries=3),
        func(chase_reminders, max_tries=3),
        func(chase_holder_certificates, keep_result=0),
    ]
    cron_jobs: ClassVar[list[Any]] = [
        cron(relay_outbox, second=RELAY_SECONDS, run_at_startup=True, keep_result=0),
        cron(resume_fan_outs, minute=set(range(0, 60, 5)), run_at_startup=True),
        # Uploads made while Redis was down get read once the workers run again.
        cron(queue_pending_reads, second={30}, run_at_startup=True),
        cron(send_notice_mail, minute=set(range(0, 60, 10))),
        cron(expiry_sweep, hour={SWEEP_HOUR_UTC}, minute={0}),
        # A backstop: appends are sealed as they commit (backend/audit/tail.py).
        cron(make_checkpoint_job, second=CHECKPOINT_SECONDS, keep_result=0),
        cron(deliver_due_webhooks, second=DUE_SWEEP_SECONDS, keep_result=0),
        cron(procore_nightly, hour={RECONCILE_HOUR_UTC}, minute={30}),
        # Idempotent: a re-run the same day finds every stage recorded (chase_reminders table).
        cron(chase_reminders, hour={CHASE_HOUR_UTC}, minute={0}),
        cron(chase_holder_certificates, second={45}, keep_result=0),
    ]
    # A job that appended to the audit log (the sweep's holds) is sealed by a checkpoint.
    after_job_end = tail.seal_after_job
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(get_settings().redis_url)
    max_jobs = positive_env("COINET_WORKER_MAX_JOBS", DEFAULT_MAX_JOBS)
    queue_read_limit = QUEUE_READ_LIMIT
    # How often an idle worker looks for new jobs (arq's default is 0.5 s): a webhook passes
    # through two jobs (relay, dispatch) between a commit and its delivery.
    poll_delay = 0.1
    # How often an idle worker looks for queued jobs (arq's default is 0.5 s): a read goes
    # through two jobs (relay, then read), and an upload's values are due within half a second.
    poll_delay = 0.05
    job_timeout = 300
    keep_result = 3600


def run_worker(*, burst: bool = False) -> None:
    """Run one worker process (`coinet worker`) until it is stopped, or until the queue is
    empty with `burst`."""
    FanOutWorker(**get_kwargs(WorkerSettings), burst=burst).run()  # type: ignore[arg-type]
