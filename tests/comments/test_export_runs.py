"""Exports asked for in the admin: a job after the commit, a file only the admin hands out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from comments.models import ExportRun, RunState
from tests.factories import ArticleFactory, CommentFactory
from tests.helpers import make_moderator

pytestmark = pytest.mark.django_db

ADD = reverse("admin:comments_exportrun_add")


def ask(client, capture, **fields) -> ExportRun:
    with capture(execute=True):
        response = client.post(ADD, fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    run = ExportRun.objects.latest("pk")
    assert response["Location"] == reverse("admin:comments_exportrun_change", args=[run.pk])
    return run


def download(client, run: ExportRun):
    return client.get(reverse("admin:comments_exportrun_download", args=[run.pk]))


def test_every_discussion_exports_as_wxr_and_downloads_from_the_admin(
    admin_client, settings, django_capture_on_commit_callbacks
):
    article = ArticleFactory(title="The Borg Question")
    for text in ("Resistance is futile", "Or is it?"):
        CommentFactory(article=article, body=text)
    run = ask(admin_client, django_capture_on_commit_callbacks, format="wxr")
    assert run.state == RunState.DONE, run.error
    assert (run.articles, run.comments) == (1, 2)
    page = admin_client.get(reverse("admin:comments_exportrun_change", args=[run.pk])).content
    assert b"1 article, 2 comments" in page
    assert b"was added successfully" not in page
    assert b"All articles" in page
    assert b"Download trekboard-all-" in page

    answer = download(admin_client, run)
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith('attachment; filename="trekboard-all-')
    body = b"".join(answer.streaming_content).decode()
    assert "<wp:wxr_version>1.2</wp:wxr_version>" in body
    assert "The Borg Question" in body
    assert "Resistance is futile" in body
    # Kept where no URL serves it (commenters' emails, addresses), readable by its owner only.
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / run.file.name
    assert stored.stat().st_mode & 0o077 == 0
    assert admin_client.get(f"/media/{run.file.name}").status_code == 404

    admin_client.post(reverse("admin:comments_exportrun_delete", args=[run.pk]), {"post": "yes"})
    assert not stored.exists()


def test_the_form_asks_for_a_format_and_an_article_and_offers_one_button(admin_client):
    ArticleFactory(title="The Borg Question")
    page = admin_client.get(ADD).content.decode()
    assert 'value="Start export"' in page
    for stock in ("_addanother", "_continue", "Save and add another"):
        assert stock not in page
    assert '<option value="" selected>All articles</option>' in page
    assert "The Borg Question" in page
    # Naming an article to export, not a door to adding or editing one.
    assert "add_id_article" not in page
    assert "change_id_article" not in page


def test_one_article_exports_as_a_json_tree(admin_client, django_capture_on_commit_callbacks):
    chosen, other = ArticleFactory(), ArticleFactory()
    parent = CommentFactory(article=chosen, body="Top")
    CommentFactory(article=chosen, parent=parent, body="Reply")
    CommentFactory(article=other, body="Elsewhere")
    run = ask(admin_client, django_capture_on_commit_callbacks, format="json", article=chosen.pk)
    assert run.state == RunState.DONE, run.error
    exported = json.loads(b"".join(download(admin_client, run).streaming_content))
    text = json.dumps(exported)
    assert "Top" in text
    assert "Reply" in text
    assert "Elsewhere" not in text


def test_only_those_who_may_view_exports_download_them(
    admin_client, client, django_capture_on_commit_callbacks
):
    CommentFactory()
    run = ask(admin_client, django_capture_on_commit_callbacks, format="wxr")
    moderator = Client()
    moderator.force_login(make_moderator())
    assert download(moderator, run).status_code == 403
    assert download(client, run).status_code == 302  # to the admin's log-in
    url = reverse("admin:comments_exportrun_download", args=[run.pk])
    assert admin_client.get(url.replace(f"/{run.pk}/", "/999999/")).status_code == 404
    assert admin_client.get(url.replace(f"/{run.pk}/", "/x1/")).status_code == 404


def test_an_export_not_run_yet_has_nothing_to_download(admin_client):
    run = ExportRun.objects.create(format="wxr")
    assert download(admin_client, run).status_code == 404
    page = admin_client.get(reverse("admin:comments_exportrun_change", args=[run.pk])).content
    assert b'http-equiv="refresh"' in page
    assert b"Waiting for a worker" in page


def test_an_article_deleted_before_its_export_ran_fails_it_with_a_message(
    admin_client, django_capture_on_commit_callbacks
):
    article = ArticleFactory(slug="gone-by-then")
    CommentFactory(body="Never exported")
    with django_capture_on_commit_callbacks() as callbacks:
        admin_client.post(ADD, {"format": "json", "article": article.pk})
    article.delete()  # before the job runs
    for callback in callbacks:
        callback()
    run = ExportRun.objects.get()
    assert run.state == RunState.FAILED
    assert run.error == "The article 'gone-by-then' was deleted before the export ran."
    assert not run.file
