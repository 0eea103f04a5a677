"""Work the job queue: notification emails, admin imports (trekboard/jobs.py).

Run one or more per machine beside gunicorn, e.g. under systemd; each takes
one job at a time. ``--burst`` stops once the queue is empty.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from trekboard import jobs


class Command(BaseCommand):
    help = "Work the job queue (emails, imports) on JOBS_REDIS_URL / REDIS_URL."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--burst", action="store_true", help="Stop once the queue is empty.")
        parser.add_argument("--name", help="This worker's name in the admin's job page.")
        parser.add_argument(
            "--log-level", default="WARNING", help="INFO lists each job as it runs."
        )

    def handle(self, *args, **options) -> None:
        if not jobs.enabled():
            raise CommandError(
                "No queue: set REDIS_URL (or JOBS_REDIS_URL). Without one, jobs run "
                "inside the web processes and need no worker."
            )
        worker = jobs.worker(name=options.get("name"))
        worker.work(
            burst=options["burst"],
            with_scheduler=True,
            logging_level=options.get("log_level") or "WARNING",
        )
