"""Acting on a person from a queue row, and a comment's thread on its own page (issue 21).

Suspend, ban, and ban-and-remove-all are each one act reached from the row's
author: a link to the act's page, which asks the reason (and how long), does
it, and comes back to the queue. What it did is checked where the reader, the
public page and the audit log see it.
"""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from accounts.models import User
from comments.models import AuditEntry, Comment, Notification
from comments.queues import REPLIES_LISTED
from comments.services import comment_status_set
from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import make_editor, make_moderator

pytestmark = pytest.mark.django_db

COMMENTS = reverse("admin:comments_comment_changelist")
PENDING = f"{COMMENTS}?queue=pending"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def held(**fields) -> Comment:
    return comment_status_set(
        comment=CommentFactory(**fields), status=Comment.Status.PENDING, reason="Has 3 links."
    )


def row_of(page: str, comment: Comment) -> str:
    match = re.search(
        rf'<tr>(?:(?!</tr>).)*?id="context-{comment.pk}"(?:(?!</tr>).)*</tr>', page, re.S
    )
    assert match, f"no row for #{comment.pk}"
    return match.group(0)


def act_links(row: str) -> dict[str, str]:
    """The row's acts on its author, by label."""
    return {
        label: html.unescape(href)
        for href, label in re.findall(r'<a href="([^"]+)" class="person-act[^"]*">([^<]+)</a>', row)
    }


def submit_confirmation(client: Client, page: str, **fields):
    """Post the act's page as a moderator would: its hidden fields, plus what they fill in."""
    action = re.search(r'<form method="post" action="([^"]+)">', page).group(1)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    hidden.pop("csrfmiddlewaretoken", None)
    return client.post(html.unescape(action), {**hidden, **fields})


@pytest.fixture
def moderator_client(moderator) -> Client:
    return client_for(moderator)


def test_a_rows_author_is_suspended_from_the_queue_and_told_why(moderator_client):
    comment = held()
    author = comment.author
    links = act_links(row_of(moderator_client.get(PENDING).content.decode(), comment))
    assert list(links) == ["Suspend…", "Ban…", "Ban and remove all…"]

    page = moderator_client.get(links["Suspend…"]).content.decode()
    assert "Suspend readers" in page
    assert author.username in page
    response = submit_confirmation(moderator_client, page, days="3")
    assert response.status_code == 200  # asked again: no reason given
    assert "Choose a reason or write one" in response.content.decode()
    assert not User.objects.get(pk=author.pk).suspended_until

    response = submit_confirmation(moderator_client, page, days="3", reason="Insults, again")
    assert response.status_code == 302
    assert response.url == PENDING
    author.refresh_from_db()
    assert author.suspended_until is not None
    assert not author.banned
    entry = AuditEntry.objects.get(action="suspend", target_user=author)
    assert entry.reason == "Insults, again"
    notice = Notification.objects.get(recipient=author, kind="suspended")
    assert notice.reason == "Insults, again"
    queue = moderator_client.get(PENDING).content.decode()
    assert "1 reader suspended until" in queue
    assert "Suspended until" in row_of(queue, comment)


def test_ban_and_remove_all_from_the_row_is_one_act(moderator_client, client):
    article = ArticleFactory()
    comment = held(article=article)
    author = comment.author
    shown = [CommentFactory(article=article, author=author, body=f"Shown {n}") for n in range(3)]
    links = act_links(row_of(moderator_client.get(PENDING).content.decode(), comment))
    page = moderator_client.get(links["Ban and remove all…"]).content.decode()
    assert "up to 4 comments" in page
    response = submit_confirmation(moderator_client, page, reason="Spam account")
    assert response.url == PENDING

    author.refresh_from_db()
    assert author.banned
    statuses = set(Comment.objects.filter(author=author).values_list("status", flat=True))
    assert statuses == {Comment.Status.REMOVED}
    public = client.get(article.get_absolute_url()).content.decode()
    for removed in shown:
        assert removed.body not in public
    assert AuditEntry.objects.filter(
        action="ban", target_user=author, reason="Spam account"
    ).exists()
    # The banned author's row offers nothing more on them.
    queue = moderator_client.get(f"{COMMENTS}?author__id__exact={author.pk}").content.decode()
    assert act_links(row_of(queue, comment)) == {}


def test_rows_offer_no_acts_on_the_moderator_themself_staff_or_to_editors(moderator, editor):
    own = held(author=moderator)
    staff = held(author=make_editor())
    reader = held()
    page = client_for(moderator).get(PENDING).content.decode()
    assert act_links(row_of(page, own)) == {}
    assert act_links(row_of(page, staff)) == {}
    assert act_links(row_of(page, reader))
    # Editors may look at the queue but act on nobody: no links, and the URL refuses.
    editor_page = client_for(editor).get(PENDING).content.decode()
    assert act_links(row_of(editor_page, reader)) == {}
    url = reverse("admin:accounts_user_act", args=[reader.author_id, "ban_users"])
    assert client_for(editor).get(url).status_code == 403


@pytest.mark.parametrize(
    ("user_id", "action", "status"),
    [
        ("999999999", "ban_users", 404),
        ("x1", "ban_users", 404),
        ("{author}", "delete_selected", 403),
        ("{author}", "reinstate_users", 403),
        ("{author}", "<script>", 403),
    ],
)
def test_a_person_act_url_with_garbage_is_refused(moderator_client, user_id, action, status):
    author = UserFactory()
    url = reverse("admin:accounts_user_act", args=["0", "ban_users"])
    url = url.replace("/0/", f"/{user_id.format(author=author.pk)}/").replace("ban_users", action)
    assert moderator_client.get(url).status_code == status
    assert not User.objects.get(pk=author.pk).banned


def test_a_person_act_comes_back_only_to_this_site(moderator_client):
    author = UserFactory()
    url = reverse("admin:accounts_user_act", args=[author.pk, "ban_users"])
    page = moderator_client.get(url, {"next": "https://evil.example/"}).content.decode()
    response = submit_confirmation(moderator_client, page, reason="Trolling")
    assert response.status_code == 302
    assert not response.url.startswith("https://evil.example")
    assert User.objects.get(pk=author.pk).banned


def test_a_comments_page_shows_the_thread_above_it_and_its_replies(moderator_client):
    article = ArticleFactory()
    root = CommentFactory(article=article, body="Root: the Defiant is overpowered")
    middle = CommentFactory(article=article, parent=root, body="Middle: it is a warship")
    comment = CommentFactory(article=article, parent=middle, body="This: so was the Enterprise")
    CommentFactory(article=article, parent=comment, body="A published reply")
    held(article=article, parent=comment, body="A held reply")
    CommentFactory(article=article, parent=root, body="A sibling elsewhere")
    page = moderator_client.get(
        reverse("admin:comments_comment_change", args=[comment.pk])
    ).content.decode()
    context = re.search(r'<ol class="thread-around">.*</ol>', page, re.S).group(0)
    texts = re.findall(r"“([^”]+)”", context)
    assert texts == [
        "Root: the Defiant is overpowered",
        "Middle: it is a warship",
        "A published reply",
        "A held reply",
    ]
    assert "This comment" in context
    assert "Awaiting moderation" in context
    assert "A sibling elsewhere" not in context
    assert reverse("admin:comments_comment_change", args=[root.pk]) in context


def test_a_comments_page_lists_its_first_replies_and_says_there_are_more(
    moderator_client, django_assert_max_num_queries
):
    comment = CommentFactory()
    for n in range(REPLIES_LISTED + 5):
        CommentFactory(article=comment.article, parent=comment, body=f"Reply number {n}")
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    with django_assert_max_num_queries(20):
        page = moderator_client.get(url).content.decode()
    assert page.count("Reply number") == REPLIES_LISTED
    assert "Reply number 0" in page
    assert f"Reply number {REPLIES_LISTED}" not in page
    assert f"The first {REPLIES_LISTED} replies" in page


def test_a_top_level_comment_without_replies_says_so(moderator_client):
    comment = CommentFactory()
    page = moderator_client.get(
        reverse("admin:comments_comment_change", args=[comment.pk])
    ).content.decode()
    assert "<strong>This comment</strong> · no replies yet" in page


def test_only_moderators_of_readers_may_ban_from_the_row(moderator):
    """A moderator of comments only (no accounts.moderate_user) gets decisions, not bans."""
    comments_only = make_moderator()
    comments_only.groups.clear()
    comments_only.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["can_moderate", "view_comment"], content_type__app_label="comments"
        )
    )
    comment = held()
    page = client_for(comments_only).get(PENDING).content.decode()
    row = row_of(page, comment)
    assert "decide--approve" in row
    assert act_links(row) == {}
