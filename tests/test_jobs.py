"""The job queue on a real Redis with real RQ workers: emails, retries, failures, admin imports.

Each test has a queue of its own on the machine's Redis (skipped, saying so,
where none answers). Workers are RQ's, in this process (``burst``: until the
queue is empty) where the test's transaction must be seen, or ``manage.py
run_jobs --burst`` in a process of its own where the data is committed.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
import redis
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from comments import notify
from comments.models import Comment, ExportRun, ImportRun, Notification
from comments.services import comment_create
from comments.services.import_runs import progress_key
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import make_editor
from tests.live_gunicorn import database_url
from trekboard import jobs

JOBS_REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
SAMPLES = Path("/work/shared/import-samples")


def _redis_answers() -> bool:
    try:
        return redis.Redis.from_url(JOBS_REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.skipif(
        not _redis_answers(), reason=f"No Redis answers at {JOBS_REDIS} for the job queue's tests."
    ),
    pytest.mark.django_db,
]


@pytest.fixture
def queue(settings):
    """A queue of this test's own on the real Redis; emptied and removed afterwards."""
    settings.JOBS_REDIS_URL = JOBS_REDIS
    settings.JOBS_QUEUE = f"test-{uuid.uuid4().hex[:12]}"
    yield jobs.queue()
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry

    work = jobs.queue()
    for registry in (FailedJobRegistry, FinishedJobRegistry, ScheduledJobRegistry):
        for job_id in registry(queue=work).get_job_ids():
            registry(queue=work).remove(job_id, delete_job=True)
    work.delete(delete_jobs=True)


def work(burst: bool = True) -> None:
    """Run this queue's jobs here, as ``manage.py run_jobs --burst`` would."""
    jobs.worker().work(burst=burst, with_scheduler=False, logging_level="WARNING")


@pytest.fixture
def subscriber(db):
    return UserFactory(username="troi", email="troi@example.org", email_notifications=True)


def reply_to(author, body: str, capture) -> Comment:
    parent = CommentFactory(author=author)
    with capture(execute=True):
        return comment_create(
            article=parent.article, author=UserFactory(), body=body, parent=parent
        )


def test_a_reply_email_waits_in_the_queue_until_a_worker_sends_it(
    queue, subscriber, django_capture_on_commit_callbacks
):
    reply = reply_to(subscriber, "Queued for the counselor", django_capture_on_commit_callbacks)
    assert mail.outbox == []  # queued, not sent by the request
    assert queue.count == 1
    notification = Notification.objects.get(comment=reply, recipient=subscriber)
    assert notification.emailed_at is None

    work()
    assert queue.count == 0
    assert [message.to for message in mail.outbox] == [["troi@example.org"]]
    assert "Queued for the counselor" in mail.outbox[0].body
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    # A second run of the same job (a retry after a lost answer) sends nothing twice.
    jobs._dispatch(
        notify.send_notification_emails,
        {"comment_id": reply.pk, "recipient_ids": [subscriber.pk]},
    )
    work()
    assert len(mail.outbox) == 1


class FailsOnceOnTheSecondMessage(EmailBackend):
    """The mail server drops the connection once, after the first message of a batch."""

    sent = 0
    failed = False

    def send_messages(self, messages):
        for message in messages:
            if type(self).sent == 1 and not type(self).failed:
                type(self).failed = True
                raise ConnectionResetError("the mail server hung up")
            type(self).sent += 1
            super().send_messages([message])
        return len(messages)


def test_a_failed_send_is_retried_and_each_reader_gets_one_email(
    queue, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailsOnceOnTheSecondMessage"
    FailsOnceOnTheSecondMessage.sent, FailsOnceOnTheSecondMessage.failed = 0, False
    monkeypatch.setattr(jobs, "RETRY_PAUSES", [0, 0, 0])  # retried at once, not in 10 s
    readers = [
        UserFactory(username=name, email=f"{name}@example.org", email_notifications=True)
        for name in ("data", "geordi")
    ]
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(article=article, author=UserFactory(), body="@data and @geordi: look")
    work()
    assert FailsOnceOnTheSecondMessage.failed
    assert sorted(message.to[0] for message in mail.outbox) == [
        "data@example.org",
        "geordi@example.org",
    ]
    assert not Notification.objects.filter(emailed_at=None, recipient__in=readers).exists()


class MailServerDown(EmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server is down")


def test_a_job_that_fails_every_try_is_listed_for_staff(
    queue, settings, monkeypatch, subscriber, admin_client, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    monkeypatch.setattr(jobs, "RETRY_PAUSES", [0, 0, 0])
    reply = reply_to(subscriber, "Never arrives", django_capture_on_commit_callbacks)
    work()
    assert jobs.counts()["failed"] == 1

    page = admin_client.get(reverse("admin_jobs")).content.decode()
    assert "send_notification_emails" in page
    assert f"comment_id={reply.pk}" in page
    assert "ConnectionRefusedError: mail server is down" in page
    assert "Retry" in page

    # An editor sees the list but can't act on it.
    editor = Client()
    editor.force_login(make_editor())
    listed = editor.get(reverse("admin_jobs")).content.decode()
    assert "Never arrives" not in listed  # a job shows its ids, never the text
    assert "ConnectionRefusedError" in listed
    assert 'value="retry"' not in listed
    job_id = jobs.failed_jobs()[0].id
    assert editor.post(reverse("admin_jobs"), {"job": job_id, "act": "retry"}).status_code == 403

    # The mail server is back: a superuser queues it again, a worker sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    answer = admin_client.post(reverse("admin_jobs"), {"job": job_id, "act": "retry"}, follow=True)
    assert "Queued again." in answer.content.decode()
    work()
    assert [message.to for message in mail.outbox] == [["troi@example.org"]]
    assert jobs.counts()["failed"] == 0


def test_a_failed_job_can_be_forgotten(
    queue, settings, monkeypatch, subscriber, admin_client, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    monkeypatch.setattr(jobs, "RETRY_PAUSES", [0, 0, 0])
    reply_to(subscriber, "Forget me", django_capture_on_commit_callbacks)
    work()
    job_id = jobs.failed_jobs()[0].id
    answer = admin_client.post(reverse("admin_jobs"), {"job": job_id, "act": "forget"}, follow=True)
    assert "Forgotten." in answer.content.decode()
    assert jobs.counts()["failed"] == 0
    again = admin_client.post(reverse("admin_jobs"), {"job": job_id, "act": "retry"}, follow=True)
    assert "No such failed job" in again.content.decode()


def test_with_redis_down_a_job_runs_in_the_process_rather_than_be_lost(
    settings, subscriber, django_capture_on_commit_callbacks, caplog
):
    settings.JOBS_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    reply_to(subscriber, "Sent despite Redis", django_capture_on_commit_callbacks)
    assert [message.to for message in mail.outbox] == [["troi@example.org"]]
    assert "running it in this process" in caplog.text


def test_without_a_queue_the_worker_command_says_what_to_do(settings):
    settings.JOBS_REDIS_URL = ""
    with pytest.raises(CommandError, match="No queue: set REDIS_URL"):
        call_command("run_jobs", "--burst")


def test_the_jobs_page_says_so_when_there_is_no_queue(settings, admin_client):
    settings.JOBS_REDIS_URL = ""
    page = admin_client.get(reverse("admin_jobs")).content.decode()
    assert "No job queue is configured" in page


# --- Imports from the admin, worked by a worker of its own ----------------------


def upload(client: Client, name: str, source: str, **fields) -> ImportRun:
    data = (SAMPLES / name).read_bytes()
    response = client.post(
        reverse("admin:comments_importrun_add"),
        {
            "source": source,
            "file": SimpleUploadedFile(name, data, content_type="text/xml"),
            **fields,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ImportRun.objects.latest("pk")
    assert response["Location"] == reverse("admin:comments_importrun_change", args=[run.pk])
    return run


def run_jobs_command(settings) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "run_jobs", "--burst"],
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "JOBS_REDIS_URL": settings.JOBS_REDIS_URL,
            "JOBS_QUEUE": settings.JOBS_QUEUE,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
            "DJANGO_SETTINGS_MODULE": "trekboard.settings",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.django_db(transaction=True)
def test_an_editor_imports_a_wordpress_export_from_the_admin_as_a_job(queue, settings):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    name = "wordpress-importer-small-export.xml"

    # A dry run first: the same summary the command prints for the same file.
    trial = upload(client, name, "wordpress", dry_run="on")
    done = run_jobs_command(settings)
    assert done.returncode == 0, done.stderr[-3000:]
    trial.refresh_from_db()
    assert trial.state == ImportRun.State.DONE, trial.error
    out = StringIO()
    call_command("import_wordpress", str(SAMPLES / name), "--dry-run", stdout=out)
    printed = [line for line in out.getvalue().splitlines() if not line.startswith("Dry run (")]
    assert trial.summary.splitlines() == [*printed, "Dry run: nothing was written."]
    assert not Comment.objects.exists()

    run = upload(client, name, "wordpress")
    assert run.state == ImportRun.State.QUEUED
    assert not Comment.objects.exists()  # the request only queued it
    page = client.get(reverse("admin:comments_importrun_change", args=[run.pk])).content
    assert b'http-equiv="refresh"' in page  # the page follows the run by itself
    assert b"Waiting for a worker" in page

    done = run_jobs_command(settings)
    assert done.returncode == 0, done.stderr[-3000:]
    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE, run.error
    assert run.started_by == superuser
    assert Comment.objects.exists()
    page = client.get(reverse("admin:comments_importrun_change", args=[run.pk])).content.decode()
    assert 'import-state--done">Done<' in page
    assert 'http-equiv="refresh"' not in page
    assert html.escape(run.summary.splitlines()[0]) in page


@pytest.mark.django_db(transaction=True)
def test_a_broken_file_fails_its_run_with_the_commands_message_and_imports_nothing(
    queue, settings, tmp_path
):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:comments_importrun_add"),
        {
            "source": "disqus",
            "file": SimpleUploadedFile("broken.xml", b"<disqus><thread", content_type="text/xml"),
        },
    )
    assert response.status_code == 302
    done = run_jobs_command(settings)
    assert done.returncode == 0, done.stderr[-3000:]
    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.FAILED
    assert run.error.startswith("broken")
    assert run.error.endswith("Nothing was imported.")
    assert not Comment.objects.exists()
    page = client.get(reverse("admin:comments_importrun_change", args=[run.pk])).content.decode()
    assert "Failed" in page
    assert "Nothing was imported." in page
    assert re.search(r"Nothing was imported\.", page)


def test_a_run_under_way_shows_how_far_it_got(admin_client, settings):
    from django.core.cache import cache

    run = ImportRun.objects.create(
        source="wordpress",
        file=SimpleUploadedFile("big.xml", b"<rss/>"),
        state=ImportRun.State.RUNNING,
        size=1000,
    )
    cache.set(progress_key(run.pk), {"read": 250, "written": 1234}, 60)
    listing = admin_client.get(reverse("admin:comments_importrun_changelist")).content.decode()
    assert "25% read, 1234 comments written" in listing
    assert '<progress max="100" value="25">' in listing


def test_only_staff_with_the_permission_upload(client, settings):
    editor = Client()
    editor.force_login(make_editor())
    assert editor.get(reverse("admin:comments_importrun_add")).status_code == 403
    reader = Client()
    reader.force_login(UserFactory())
    assert reader.get(reverse("admin:comments_importrun_add")).status_code == 302  # to log in


def test_the_readers_a_comment_names_are_told_by_a_job(queue, django_capture_on_commit_callbacks):
    named = [
        UserFactory(username=f"crew{n}", email=f"crew{n}@example.org", email_notifications=n == 0)
        for n in range(5)
    ]
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(
            article=article,
            author=UserFactory(),
            body="All hands: " + " ".join(f"@{user.username}" for user in named),
        )
    # The write told nobody itself: one job waits to tell all five.
    assert not Notification.objects.filter(comment=comment).exists()
    assert queue.count == 1
    work()
    assert Notification.objects.filter(comment=comment, kind="mention").count() == 5
    assert [message.to for message in mail.outbox] == [["crew0@example.org"]]


def test_an_export_asked_for_in_the_admin_waits_for_a_worker(
    queue, admin_client, django_capture_on_commit_callbacks
):
    CommentFactory(body="Queued for export")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:comments_exportrun_add"), {"format": "wxr"})
    run = ExportRun.objects.get()
    assert run.state == "queued"
    assert queue.count == 1
    work()
    run.refresh_from_db()
    assert run.state == "done", run.error
    answer = admin_client.get(reverse("admin:comments_exportrun_download", args=[run.pk]))
    assert b"Queued for export" in b"".join(answer.streaming_content)
