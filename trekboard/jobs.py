"""Work that happens after a request: emails, imports. On RQ with Redis, or in-process.

Why RQ and not Celery: the queue needs one broker Trekboard already runs for
several machines (Redis), jobs that are plain functions with a few ids for
arguments, retries with pauses, and a list of what failed. RQ is exactly that,
a small library with a worker command and registries; Celery brings a broker
abstraction, a result backend, beat and their configuration for features
Trekboard doesn't use.

``run_after_commit(func, **kwargs)`` runs ``func(**kwargs)`` once the current
transaction commits (at once outside one), so a job never sees a write that
was rolled back, nor runs before it is visible:

* with ``REDIS_URL`` set (``JOBS_REDIS_URL`` overrides it), as a job on the
  ``JOBS_QUEUE`` queue, retried ``JOBS_RETRIES`` times with growing pauses;
  ``manage.py run_jobs`` works the queue (one per machine or more), and jobs
  that failed every try are listed for staff in the admin (``/admin/jobs/``);
* without it (the embedded default, ``make run``), in this process right
  after the commit, as Trekboard always did; a failure is logged.

If Redis can't take the job, it runs in-process as well: an email late is
better than an email lost. Job functions take ids, not objects, and must be
safe to run twice (a retry after a half-done try).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from django.conf import settings
from django.db import close_old_connections, connection, transaction

logger = logging.getLogger(__name__)

# Pauses before each retry, in seconds: a mail server's hiccup, then an outage.
RETRY_PAUSES = [10, 60, 300, 900]


def enabled() -> bool:
    return bool(settings.JOBS_REDIS_URL)


def redis():
    from redis import Redis

    return Redis.from_url(settings.JOBS_REDIS_URL, socket_connect_timeout=2, socket_timeout=10)


def queue():
    from rq import Queue

    return Queue(settings.JOBS_QUEUE, connection=redis(), default_timeout=settings.JOBS_TIMEOUT)


# Set by ``in_process()``: this thread's jobs run here, even with a queue.
_here = threading.local()


@contextmanager
def in_process() -> Iterator[None]:
    """Run the jobs started inside here in this process, after the commit, queue or not.

    For a bulk writer whose next step reads what its jobs write (the demo
    seed marks read the notifications its readers "saw").
    """
    before = getattr(_here, "active", False)
    _here.active = True
    try:
        yield
    finally:
        _here.active = before


def run_after_commit(func: Callable[..., object], **kwargs: object) -> None:
    """Run ``func(**kwargs)`` as a job once the current transaction commits (see the module)."""
    local = getattr(_here, "active", False)
    transaction.on_commit(partial(_dispatch, func, kwargs, local=local), robust=True)


def _dispatch(func: Callable[..., object], kwargs: dict, *, local: bool = False) -> None:
    if enabled() and not local:
        from rq import Retry

        retries = settings.JOBS_RETRIES
        try:
            queue().enqueue(
                func,
                kwargs=kwargs,
                retry=Retry(max=retries, interval=RETRY_PAUSES[:retries]) if retries else None,
                description=describe(func, kwargs),
                failure_ttl=30 * 24 * 3600,  # failures stay listed for a month
            )
            return
        except Exception:  # Redis down or refusing: do it here rather than lose it
            logger.exception("Could not queue %s; running it in this process.", func.__name__)
    try:
        func(**kwargs)
    except Exception:
        logger.exception("The job %s failed.", describe(func, kwargs))


def describe(func: Callable[..., object], kwargs: dict) -> str:
    arguments = ", ".join(f"{key}={value!r}" for key, value in sorted(kwargs.items()))
    return f"{func.__module__}.{func.__name__}({arguments})"


def worker(*, name: str | None = None):
    """A worker on the jobs queue that leaves Django's database connections as it should.

    A SimpleWorker runs each job in the worker's own process (no fork): the database
    connection is kept between jobs, and checked (replaced if it died or grew
    too old) before and after each one, as Django does around a request.
    """
    from rq import SimpleWorker

    class DjangoWorker(SimpleWorker):
        def execute_job(self, job, queue):
            _fresh_connections()
            try:
                return super().execute_job(job, queue)
            finally:
                _fresh_connections()

    return DjangoWorker([queue()], connection=redis(), name=name)


def _fresh_connections() -> None:
    # Inside a transaction only under a test, whose transaction must stay open.
    if not connection.in_atomic_block:
        close_old_connections()


def failed_jobs(limit: int = 200) -> list:
    """The jobs that failed every try, newest first."""
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    registry = FailedJobRegistry(queue=queue())
    ids = registry.get_job_ids(0, limit - 1, desc=True)
    return [job for job in Job.fetch_many(ids, connection=registry.connection) if job is not None]


def counts() -> dict[str, int]:
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    jobs = queue()
    return {
        "waiting": jobs.count,
        "running": StartedJobRegistry(queue=jobs).count,
        "waiting to retry": ScheduledJobRegistry(queue=jobs).count,
        "failed": FailedJobRegistry(queue=jobs).count,
    }


def retry_failed(job_id: str) -> bool:
    from rq.exceptions import InvalidJobOperation, NoSuchJobError
    from rq.registry import FailedJobRegistry

    try:
        FailedJobRegistry(queue=queue()).requeue(job_id)
    except (InvalidJobOperation, NoSuchJobError):
        return False
    return True


def forget_failed(job_id: str) -> bool:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    registry = FailedJobRegistry(queue=queue())
    try:
        job = Job.fetch(job_id, connection=registry.connection)
    except NoSuchJobError:
        return False
    registry.remove(job, delete_job=True)
    return True
