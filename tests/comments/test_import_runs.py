"""Imports uploaded in the admin, without a queue: they run in the request, after the commit.

(With a queue, tests/test_jobs.py has a worker of its own run them.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from comments.models import Comment, ImportRun

pytestmark = pytest.mark.django_db

SAMPLES = Path("/work/shared/import-samples")
ADD = reverse("admin:comments_importrun_add")


def upload(client, name: str, data: bytes, source: str, capture, **fields):
    with capture(execute=True):
        response = client.post(
            ADD, {"source": source, "file": SimpleUploadedFile(name, data), **fields}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportRun.objects.latest("pk"), response


def test_a_disqus_export_imports_in_the_request_and_stays_private(
    admin_client, settings, django_capture_on_commit_callbacks
):
    data = (SAMPLES / "isso-disqus.xml").read_bytes()
    run, response = upload(
        admin_client, "isso-disqus.xml", data, "disqus", django_capture_on_commit_callbacks
    )
    assert run.state == ImportRun.State.DONE, run.error
    assert run.summary.startswith("Imported:")
    assert Comment.objects.exists()
    page = admin_client.get(response["Location"]).content.decode()
    assert 'import-state--done">Done<' in page
    assert run.summary.splitlines()[0] in page
    # The export (commenters' emails, addresses) is kept where no URL reaches it.
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / run.file.name
    assert stored.read_bytes() == data
    assert not (Path(settings.MEDIA_ROOT) / run.file.name).exists()
    assert admin_client.get(f"/media/{run.file.name}").status_code == 404
    assert f"/media/{run.file.name}" not in page
    # Deleting the run deletes its file.
    admin_client.post(reverse("admin:comments_importrun_delete", args=[run.pk]), {"post": "yes"})
    assert not ImportRun.objects.exists()
    assert not stored.exists()


def test_a_dry_run_writes_nothing_and_says_so(admin_client, django_capture_on_commit_callbacks):
    data = (SAMPLES / "wordpress-importer-small-export.xml").read_bytes()
    run, _ = upload(
        admin_client,
        "small.xml",
        data,
        "wordpress",
        django_capture_on_commit_callbacks,
        dry_run="on",
    )
    assert run.state == ImportRun.State.DONE
    assert run.summary.endswith("Dry run: nothing was written.")
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "data",
    [b"\x00\xff garbage", b"<?xml version='1.0'?><rss><channel><item>", b"<notdisqus/>"],
)
def test_garbage_fails_the_run_with_a_message_and_imports_nothing(
    admin_client, django_capture_on_commit_callbacks, data
):
    run, response = upload(
        admin_client, "export.xml", data, "disqus", django_capture_on_commit_callbacks
    )
    assert run.state == ImportRun.State.FAILED
    assert run.error.endswith("Nothing was imported."), run.error
    assert not Comment.objects.exists()
    page = admin_client.get(response["Location"]).content.decode()
    assert "Failed" in page
    assert "Nothing was imported." in page


def test_a_run_is_a_record_nobody_edits(admin_client, django_capture_on_commit_callbacks):
    data = (SAMPLES / "isso-disqus.xml").read_bytes()
    run, _ = upload(admin_client, "d.xml", data, "disqus", django_capture_on_commit_callbacks)
    change = reverse("admin:comments_importrun_change", args=[run.pk])
    page = admin_client.get(change).content.decode()
    assert 'name="_save"' not in page
    admin_client.post(change, {"source": "wordpress"})
    run.refresh_from_db()
    assert run.source == "disqus"


def test_an_empty_upload_is_refused_by_the_form(admin_client):
    response = admin_client.post(
        ADD, {"source": "wordpress", "file": SimpleUploadedFile("empty.xml", b"")}
    )
    assert response.status_code == 200
    assert "The submitted file is empty." in response.content.decode()
    assert not ImportRun.objects.exists()
