"""The moderation console in Django admin, as moderators, editors, readers and superusers use it.

Moderators are staff in the "Moderators" group the migration creates: they can
see comments, flags, revisions, users and articles, act on them through admin
actions (which call comments.services), keep the word list, and read the audit
log, but never edit an article, an account or a password, nor delete for good.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from comments.models import AuditEntry, Comment, CommentRevision, Notification, WordRule
from comments.services import (
    comment_edit,
    comment_flag,
    comment_moderate,
    comment_pin,
    comment_status_set,
)
from tests.factories import PASSWORD, CommentFactory, UserFactory
from tests.helpers import assert_trees_valid

pytestmark = pytest.mark.django_db

COMMENTS = reverse("admin:comments_comment_changelist")
USERS = reverse("admin:accounts_user_changelist")
ARTICLES = reverse("admin:articles_article_changelist")
WORDS = reverse("admin:comments_wordrule_changelist")
AUDIT = reverse("admin:comments_auditentry_changelist")
FLAGS = reverse("admin:comments_commentflag_changelist")

MODERATION_ACTIONS = [
    "approve_comments",
    "remove_comments",
    "mark_spam",
    "restore_comments",
    "retro_spoiler",
    "pin_comments",
    "unpin_comments",
    "pick_comments",
    "unpick_comments",
]


# --- People -----------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# moderator, editor and superuser come from conftest: a "Moderators" group
# member; staff with view/change on articles and comments but no moderation
# permission; and a superuser.


@pytest.fixture
def moderator_client(moderator) -> Client:
    return _client(moderator)


@pytest.fixture
def editor_client(editor) -> Client:
    return _client(editor)


@pytest.fixture
def superuser_client(superuser) -> Client:
    return _client(superuser)


# --- Helpers ----------------------------------------------------------------


def pending(**kwargs) -> Comment:
    comment = CommentFactory(**kwargs)
    return comment_status_set(comment=comment, status=Comment.Status.PENDING)


def flag(comment: Comment, times: int, reason: str = "spam") -> None:
    for _ in range(times):
        comment_flag(comment=comment, user=UserFactory(), reason=reason)


def act(client: Client, action: str, comments, url: str = COMMENTS, **data):
    """Post an admin action for the selected objects, as the changelist's form does."""
    return client.post(
        url,
        {"action": action, "index": 0, "_selected_action": [c.pk for c in comments], **data},
    )


def confirm(client: Client, action: str, objects, url: str = COMMENTS, **data):
    """Post an intermediate page's form: the selection again, post=yes and its fields."""
    return client.post(
        url,
        {"action": action, "post": "yes", "_selected_action": [o.pk for o in objects], **data},
    )


def told(response) -> list[tuple[str, str]]:
    """The messages the moderator reads on the page the action redirects to."""
    assert response.status_code == 302, response.status_code
    page = html(response.client.get(response["Location"]))
    return [
        (level, unescape(text))
        for level, text in re.findall(r'<li class="(\w+)">(.*?)</li>', _messagelist(page), re.S)
    ]


def _messagelist(page: str) -> str:
    match = re.search(r'<ul class="messagelist">.*?</ul>', page, re.S)
    return match.group(0) if match else ""


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def rows(page: str) -> str:
    """The changelist's table only (filters and the queue bar also name things)."""
    match = re.search(r'<table id="result_list">.*?</table>', page, re.S)
    return match.group(0) if match else ""


def order_of(page: str, *bodies: str) -> list[int]:
    table = rows(page)
    return [table.index(body) for body in bodies]


def refreshed(*objects):
    for obj in objects:
        obj.refresh_from_db()
    return objects


# --- Who gets in ------------------------------------------------------------

CONSOLE = [COMMENTS, USERS, ARTICLES, WORDS, AUDIT, FLAGS]


@pytest.mark.parametrize("url", CONSOLE)
def test_moderators_can_open_every_moderation_page(moderator_client, url):
    assert moderator_client.get(url).status_code == 200


@pytest.mark.parametrize("url", [USERS, WORDS, AUDIT, FLAGS])
def test_editors_cannot_open_moderation_pages(editor_client, url):
    assert editor_client.get(url).status_code == 403


def test_editors_can_read_comments_but_not_moderate_or_edit_them(editor_client, article):
    """Even with change_comment: the change page is read-only and every act needs can_moderate."""
    comment = pending(article=article, body="Held for review")
    page = html(editor_client.get(COMMENTS))
    assert "Held for review" in rows(page)
    for action in MODERATION_ACTIONS:
        assert f'value="{action}"' not in page
    act(editor_client, "approve_comments", [comment])
    confirm(editor_client, "remove_comments", [comment], reason="Because")
    assert refreshed(comment)[0].status == Comment.Status.PENDING
    change = reverse("admin:comments_comment_change", args=[comment.pk])
    page = html(editor_client.get(change))
    assert 'name="body"' not in page
    assert 'class="moderation-buttons"' not in page
    assert editor_client.post(change, {"body": "Edited"}).status_code == 403


def test_editors_still_edit_articles(editor_client, article):
    page = html(editor_client.get(reverse("admin:articles_article_change", args=[article.pk])))
    assert 'name="title"' in page


@pytest.mark.parametrize("url", CONSOLE)
@pytest.mark.parametrize("who", ["reader", "anonymous"])
def test_readers_and_visitors_are_sent_to_the_login_page(client, user, who, url):
    if who == "reader":
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_index_leads_moderators_to_their_queues(moderator_client, editor_client):
    page = html(moderator_client.get(reverse("admin:index")))
    assert 'id="moderation-module"' in page
    assert f'href="{COMMENTS}?queue=pending"' in page
    assert f'href="{AUDIT}"' in page
    assert 'id="moderation-module"' not in html(editor_client.get(reverse("admin:index")))


# --- The comment queues -----------------------------------------------------


def test_moderators_get_every_moderation_action_but_not_delete(moderator_client, article):
    CommentFactory(article=article)
    page = html(moderator_client.get(COMMENTS))
    for action in MODERATION_ACTIONS:
        assert f'value="{action}"' in page
    assert 'value="delete_selected"' not in page


def test_superusers_also_get_delete(superuser_client, article):
    CommentFactory(article=article)
    assert 'value="delete_selected"' in html(superuser_client.get(COMMENTS))


def test_queue_bar_counts_each_queue_with_links(moderator_client, article):
    pending(article=article)
    pending(article=article)
    flagged = CommentFactory(article=article)
    flag(flagged, 2)
    comment_moderate(
        comment=CommentFactory(article=article),
        actor=UserFactory(is_superuser=True),
        act="spam",
    )
    page = html(moderator_client.get(COMMENTS))
    bar = re.search(r'<nav class="moderation-queues".*?</nav>', page, re.S).group(0)
    counts = dict(re.findall(r'\?queue=(\w+)".*?>[^<]*<span class="count">(\d+)</span>', bar))
    assert counts == {"pending": "2", "flagged": "1", "recent": "4", "removed": "0", "spam": "1"}


def test_pending_queue_holds_only_pending_comments_oldest_first(moderator_client, article):
    now = timezone.now()
    newer = pending(article=article, body="Newer held", created_at=now - timedelta(minutes=5))
    older = pending(article=article, body="Older held", created_at=now - timedelta(hours=3))
    CommentFactory(article=article, body="Already published")
    page = html(moderator_client.get(COMMENTS, {"queue": "pending"}))
    assert "Already published" not in rows(page)
    first, second = order_of(page, older.body, newer.body)
    assert first < second


def test_flagged_queue_puts_the_most_flagged_first_with_reasons(moderator_client, article):
    once = CommentFactory(article=article, body="Flagged once")
    thrice = CommentFactory(article=article, body="Flagged thrice")
    twice = CommentFactory(article=article, body="Flagged twice")
    CommentFactory(article=article, body="Never flagged")
    dealt_with = CommentFactory(article=article, body="Flagged and removed")
    flag(once, 1, "abuse")
    flag(thrice, 2, "spam")
    flag(thrice, 1, "off_topic")
    flag(twice, 2, "spoiler")
    flag(dealt_with, 4)
    comment_moderate(
        comment=dealt_with, actor=UserFactory(is_superuser=True), act="remove", reason="Spam"
    )

    page = html(moderator_client.get(COMMENTS, {"queue": "flagged"}))
    table = rows(page)
    assert "Never flagged" not in table
    assert "Flagged and removed" not in table
    positions = order_of(page, "Flagged thrice", "Flagged twice", "Flagged once")
    assert positions == sorted(positions)
    # The Flags column header says how the queue is sorted.
    assert re.search(r'<th scope="col" class="[^"]*column-flag_summary sorted descending', table)
    assert "Spam or advertising (2), Off-topic" in table
    assert "Unmarked spoiler (2)" in table
    assert "Abusive or harassing" in table


def test_recent_removed_and_spam_queues(moderator_client, article, superuser):
    old = CommentFactory(
        article=article, body="Two days old", created_at=timezone.now() - timedelta(days=2)
    )
    fresh = CommentFactory(article=article, body="Just posted")
    removed = CommentFactory(article=article, body="Taken down")
    spam = CommentFactory(article=article, body="Buy cheap dilithium")
    comment_moderate(comment=removed, actor=superuser, act="remove", reason="Rude")
    comment_moderate(comment=spam, actor=superuser, act="spam")

    recent = rows(html(moderator_client.get(COMMENTS, {"queue": "recent"})))
    assert fresh.body in recent
    assert old.body not in recent
    removed_page = rows(html(moderator_client.get(COMMENTS, {"queue": "removed"})))
    assert "Taken down" in removed_page
    assert "Rude" in removed_page  # the reason, under the status
    assert "Just posted" not in removed_page
    spam_page = rows(html(moderator_client.get(COMMENTS, {"queue": "spam"})))
    assert "Buy cheap dilithium" in spam_page
    assert "Taken down" not in spam_page


def test_each_row_shows_the_comment_in_context_and_the_authors_record(
    moderator_client, article, superuser
):
    author = UserFactory(username="quark")
    parent = CommentFactory(article=article, body="What the parent said first")
    reply = CommentFactory(
        parent=parent, author=author, body="A reply in context", ip_address="203.0.113.7"
    )
    CommentFactory(article=article, author=author)
    gone = CommentFactory(article=article, author=author)
    comment_moderate(comment=gone, actor=superuser, act="remove", reason="Off-topic")
    flag(reply, 2)

    table = rows(html(moderator_client.get(COMMENTS)))
    row = next(r for r in table.split("<tr") if "A reply in context" in r)
    assert article.title[:20] in row  # long titles are shortened in the row
    assert f"?article__id__exact={article.pk}" in row
    assert "What the parent said first" in row
    assert reverse("admin:comments_comment_change", args=[parent.pk]) in row
    assert reply.get_absolute_url() in row  # the public permalink
    assert f"?author__id__exact={author.pk}" in row
    assert "3 comments · 1 removed · 2 flags" in row
    assert "203.0.113.7" in row


def test_search_finds_a_comment_by_its_ip_address(moderator_client, article):
    CommentFactory(article=article, body="From the first address", ip_address="198.51.100.23")
    CommentFactory(article=article, body="From the second address", ip_address="198.51.100.2")
    CommentFactory(article=article, body="From nowhere")
    table = rows(html(moderator_client.get(COMMENTS, {"q": "198.51.100.23"})))
    assert "From the first address" in table
    assert "From the second address" not in table
    assert "From nowhere" not in table
    # A prefix finds the whole range, as spam waves need.
    table = rows(html(moderator_client.get(COMMENTS, {"q": "198.51.100."})))
    assert "From the first address" in table
    assert "From the second address" in table


def test_search_by_text_and_author(moderator_client, article):
    CommentFactory(article=article, author=UserFactory(username="garak"), body="Plain, simple")
    CommentFactory(article=article, body="Tribbles everywhere")
    assert "Plain, simple" in rows(html(moderator_client.get(COMMENTS, {"q": "garak"})))
    table = rows(html(moderator_client.get(COMMENTS, {"q": "tribbles"})))
    assert "Tribbles everywhere" in table
    assert "Plain, simple" not in table


def test_per_author_queue_says_whose_comments_these_are(moderator_client, article):
    author = UserFactory(username="odo")
    CommentFactory(article=article, author=author, body="Odo speaks")
    CommentFactory(article=article, body="Someone else")
    page = html(moderator_client.get(COMMENTS, {"author__id__exact": author.pk}))
    assert "Comments by" in page
    assert "odo" in page
    assert "1 comment · 0 removed · 0 flags" in page
    assert "Someone else" not in rows(page)
    assert "Odo speaks" in rows(page)


def test_per_article_queue(moderator_client, article):
    CommentFactory(article=article, body="On this article")
    CommentFactory(body="On another article")
    table = rows(html(moderator_client.get(COMMENTS, {"article__id__exact": article.pk})))
    assert "On this article" in table
    assert "On another article" not in table


# Queries per changelist page, whatever its length: session, user, the moderator's
# user and group permissions, the queue counts, their decisions they may still
# undo, the article filter's choices, the two counts of the paginator, the page
# itself and the standard reasons its rows offer; one more, the author's record,
# when the list is filtered by author.
QUERY_BUDGETS = [
    ({}, 11),
    ({"queue": "pending"}, 11),
    ({"queue": "flagged"}, 11),
    ({"q": "192.0.2.1"}, 11),
    ({"author__id__exact": "AUTHOR"}, 12),
]


@pytest.mark.parametrize(("params", "budget"), QUERY_BUDGETS)
def test_changelist_query_count_is_fixed(
    moderator_client, django_assert_num_queries, params, budget
):
    """The same number of queries for 3 rows and 30: every row's context is annotated."""
    author = UserFactory()
    params = {k: author.pk if v == "AUTHOR" else v for k, v in params.items()}

    def add_threads(n: int) -> None:
        for _ in range(n):
            root = CommentFactory(author=author, ip_address="192.0.2.1")
            flag(CommentFactory(parent=root, author=author, ip_address="192.0.2.1"), 2)
            pending(article=root.article, author=author, ip_address="192.0.2.1")

    add_threads(1)
    with django_assert_num_queries(budget):
        small = html(moderator_client.get(COMMENTS, params))
    add_threads(9)
    with django_assert_num_queries(budget):
        large = html(moderator_client.get(COMMENTS, params))
    assert rows(large).count("<tr") > rows(small).count("<tr") > 1


@pytest.mark.parametrize(("url", "budget"), [(USERS, 8), (ARTICLES, 11), (AUDIT, 10)])
def test_other_moderation_lists_have_a_fixed_query_count(
    moderator_client, moderator, django_assert_num_queries, url, budget
):
    """Comment counts, standing and audit targets come joined or annotated, not per row."""

    def add_activity(n: int) -> None:
        for _ in range(n):
            comment = CommentFactory()
            flag(comment, 1)
            comment_moderate(comment=comment, actor=moderator, act="remove", reason="Rude")

    add_activity(1)
    with django_assert_num_queries(budget):
        html(moderator_client.get(url))
    add_activity(6)
    with django_assert_num_queries(budget):
        html(moderator_client.get(url))


# --- Acting on comments -----------------------------------------------------


def test_approve_reports_what_was_left_alone_and_audits(moderator_client, moderator, article):
    held = [pending(article=article) for _ in range(3)]
    published = CommentFactory(article=article)
    response = act(moderator_client, "approve_comments", [*held, published])
    assert response.status_code == 302
    assert told(response) == [
        ("success", "3 comments approved; 1 was not pending and was left alone.")
    ]
    assert {c.status for c in refreshed(*held)} == {Comment.Status.PUBLISHED}
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.APPROVE)
    assert entries.count() == 3
    assert {(e.actor, e.before_status, e.after_status) for e in entries} == {
        (moderator, "pending", "published")
    }


def test_remove_asks_for_a_reason_first(moderator_client, moderator, article):
    first = CommentFactory(article=article, body="First rude one")
    second = CommentFactory(article=article, body="Second rude one")

    page = html(act(moderator_client, "remove_comments", [first, second]))
    assert "Remove 2 comments?" in page
    assert "[removed by a moderator]" in page
    assert "First rude one" in page
    assert 'name="reason"' in page
    assert page.count('name="_selected_action"') == 2
    assert 'name="post" value="yes"' in page

    # The standard reasons are offered, and one of them or the moderator's own words is needed.
    assert 'value="Personal attack on another reader"' in page
    page = html(confirm(moderator_client, "remove_comments", [first, second], reason="  "))
    assert "Choose a reason or write one: the author is told it." in page
    assert {c.status for c in refreshed(first, second)} == {Comment.Status.PUBLISHED}

    response = confirm(
        moderator_client, "remove_comments", [first, second], reason="Personal attacks"
    )
    assert response.status_code == 302
    assert told(response) == [("success", "2 comments removed.")]
    for comment in refreshed(first, second):
        assert comment.status == Comment.Status.REMOVED
        assert comment.moderation_reason == "Personal attacks"
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.REMOVE, comment=first).get()
    assert (entry.actor, entry.reason, entry.before_status) == (
        moderator,
        "Personal attacks",
        "published",
    )
    # Readers see the placeholder, never the text.
    public = Client().get(first.get_absolute_url()).content.decode()
    assert "[removed by a moderator]" in public
    assert "First rude one" not in public


def test_spam_and_restore_keep_the_parents_counters(moderator_client, article):
    parent = CommentFactory(article=article)
    reply = CommentFactory(parent=parent)
    response = confirm(moderator_client, "mark_spam", [reply])
    assert told(response) == [("success", "1 comment marked as spam.")]
    reply.refresh_from_db()
    parent.refresh_from_db()
    assert (reply.status, parent.reply_count) == (Comment.Status.SPAM, 0)

    response = act(moderator_client, "restore_comments", [reply, parent])
    assert told(response) == [
        ("success", "1 comment restored; 1 was not removed or spam and was left alone.")
    ]
    reply.refresh_from_db()
    parent.refresh_from_db()
    assert (reply.status, parent.reply_count) == (Comment.Status.PUBLISHED, 1)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SPAM, comment=reply).exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.RESTORE, comment=reply).exists()


def test_retro_spoiler_wraps_the_text_and_tells_the_author(moderator_client, article):
    author = UserFactory()
    comment = CommentFactory(article=article, author=author, body="Sisko is the Emissary")
    response = confirm(moderator_client, "retro_spoiler", [comment])
    assert told(response) == [
        (
            "success",
            "1 comment hidden behind a spoiler warning. Their authors were told.",
        )
    ]
    comment.refresh_from_db()
    assert comment.body == "[spoiler]Sisko is the Emissary[/spoiler]"
    assert 'class="spoiler"' in comment.body_html
    assert CommentRevision.objects.get(comment=comment).body == "Sisko is the Emissary"
    assert Notification.objects.filter(
        recipient=author, comment=comment, kind=Notification.Kind.SPOILERED
    ).exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SPOILER, comment=comment).exists()

    again = confirm(moderator_client, "retro_spoiler", [comment])
    assert told(again) == [
        (
            "warning",
            "0 comments hidden behind a spoiler warning; 1 was already behind one or "
            "not shown to readers and was left alone.",
        )
    ]
    assert CommentRevision.objects.filter(comment=comment).count() == 1


def test_pin_a_top_level_comment_and_unpin_it(moderator_client, article):
    top = CommentFactory(article=article)
    response = confirm(moderator_client, "pin_comments", [top])
    assert told(response) == [("success", "1 comment pinned to the top of their discussion.")]
    article.refresh_from_db()
    assert article.pinned_comment == top
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PIN, comment=top).exists()

    response = confirm(moderator_client, "unpin_comments", [top])
    assert told(response) == [("success", "1 comment unpinned.")]
    article.refresh_from_db()
    assert article.pinned_comment is None


def test_pinning_a_reply_is_refused_with_an_error(moderator_client, article):
    reply = CommentFactory(parent=CommentFactory(article=article))
    response = confirm(moderator_client, "pin_comments", [reply])
    assert told(response) == [
        (
            "error",
            f"1 comment not pinned (#{reply.pk}): "
            "Only a published top-level comment can be pinned.",
        )
    ]
    article.refresh_from_db()
    assert article.pinned_comment is None


def test_pinning_two_comments_of_one_article_is_refused(moderator_client, article):
    first, second = CommentFactory(article=article), CommentFactory(article=article)
    response = confirm(moderator_client, "pin_comments", [first, second])
    assert told(response) == [
        (
            "error",
            f"2 comments not pinned (#{first.pk}, #{second.pk}): "
            "Only one comment per article can be pinned.",
        )
    ]
    article.refresh_from_db()
    assert article.pinned_comment is None


def test_editors_pick_and_unpick(moderator_client, article):
    chosen = CommentFactory(article=article)
    response = confirm(moderator_client, "pick_comments", [chosen])
    assert told(response) == [("success", "1 comment given the Editor's pick badge.")]
    chosen.refresh_from_db()
    assert chosen.is_editors_pick
    assert "Editor&#x27;s pick" in rows(html(moderator_client.get(COMMENTS)))
    response = confirm(moderator_client, "unpick_comments", [chosen])
    assert told(response) == [("success", "1 comment no longer badged as Editor's picks.")]
    chosen.refresh_from_db()
    assert not chosen.is_editors_pick
    assert list(
        AuditEntry.objects.filter(comment=chosen).order_by("pk").values_list("action", flat=True)
    ) == ["pick", "unpick"]


def test_hidden_comments_get_no_editors_pick(moderator_client, article):
    held = pending(article=article)
    response = confirm(moderator_client, "pick_comments", [held])
    assert told(response) == [
        (
            "warning",
            "0 comments given the Editor's pick badge; 1 was already badged or not published "
            "and was left alone.",
        )
    ]
    assert not refreshed(held)[0].is_editors_pick


# --- One comment's page -----------------------------------------------------


def test_change_page_is_read_only_with_everything_a_moderator_needs(
    moderator_client, moderator, article
):
    author = UserFactory()
    parent = CommentFactory(article=article, body="The parent's point")
    comment = CommentFactory(parent=parent, author=author, body="First **draft**")
    comment_edit(comment=comment, user=author, body="Second **take**")
    comment_flag(comment=comment, user=UserFactory(), reason="other", text="Rude to Nog")
    comment_moderate(comment=comment, actor=moderator, act="remove", reason="Rudeness")
    url = reverse("admin:comments_comment_change", args=[comment.pk])

    page = html(moderator_client.get(url))
    assert 'name="body"' not in page  # nothing editable
    assert 'name="_save"' not in page
    assert "<strong>take</strong>" in page  # the text as rendered
    assert "The parent&#x27;s point" in page
    assert reverse("admin:comments_comment_change", args=[parent.pk]) in page
    assert comment.get_absolute_url() in page
    assert "Flags from readers" in page
    assert "Rude to Nog" in page
    assert "Earlier versions" in page
    assert "First **draft**" in page
    assert "Audit trail" in page
    assert "Rudeness" in page
    assert "published → removed" in page
    # Only the acts that apply to a removed comment.
    assert 'value="restore_comments"' in page
    assert 'value="mark_spam"' in page
    assert 'value="approve_comments"' not in page
    assert 'value="remove_comments"' not in page

    assert moderator_client.post(url, {"body": "Rewritten"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Second **take**"


def test_a_change_page_button_acts_and_comes_back(moderator_client, article):
    comment = pending(article=article)
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    response = act(moderator_client, "approve_comments", [comment], next=url)
    assert response.status_code == 302
    assert response["Location"] == url
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLISHED


def test_removing_from_the_change_page_asks_why_and_comes_back(moderator_client, article):
    comment = CommentFactory(article=article)
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    page = html(act(moderator_client, "remove_comments", [comment], next=url))
    assert f'name="next" value="{url}"' in page
    response = confirm(moderator_client, "remove_comments", [comment], reason="Spoiler", next=url)
    assert response["Location"] == url
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED


def test_next_never_leaves_the_site(moderator_client, article):
    comment = pending(article=article)
    response = act(moderator_client, "approve_comments", [comment], next="https://evil.example/")
    assert response["Location"] == COMMENTS


# --- Deleting for good ------------------------------------------------------


@pytest.fixture
def thread(article) -> dict[str, Comment]:
    """root > a > a1, a2; root > b > b1; and a separate top-level comment."""
    root = CommentFactory(article=article, body="root")
    a = CommentFactory(parent=root, body="a")
    a1 = CommentFactory(parent=a, body="a1")
    a2 = CommentFactory(parent=a, body="a2")
    b = CommentFactory(parent=root, body="b")
    b1 = CommentFactory(parent=b, body="b1")
    solo = CommentFactory(article=article, body="solo")
    return {"root": root, "a": a, "a1": a1, "a2": a2, "b": b, "b1": b1, "solo": solo}


def test_moderators_cannot_delete_for_good(moderator_client, thread):
    url = reverse("admin:comments_comment_delete", args=[thread["a"].pk])
    assert moderator_client.get(url).status_code == 403
    assert moderator_client.post(url, {"post": "yes"}).status_code == 403
    confirm(moderator_client, "delete_selected", [thread["a"]])
    assert Comment.objects.count() == 7


def test_superuser_delete_page_counts_the_replies_and_keeps_the_tree_valid(
    superuser_client, superuser, thread
):
    root = thread["root"]
    url = reverse("admin:comments_comment_delete", args=[thread["a"].pk])
    page = html(superuser_client.get(url))
    assert "This deletes 1 comment and its 2 replies for good." in page

    response = superuser_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert ("info", "2 replies went with it.") in told(response)
    assert not Comment.objects.filter(body__in=["a", "a1", "a2"]).exists()
    root.refresh_from_db()
    assert (root.reply_count, root.descendant_count) == (1, 2)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.HARD_DELETE)
    assert entry.actor == superuser
    assert entry.comment is None  # the row is gone; the detail keeps its words
    assert_trees_valid()


def test_superuser_delete_selected_counts_replies_once(superuser_client, thread):
    root_page = html(confirm_delete_page(superuser_client, [thread["root"]]))
    assert "This deletes 1 comment and its 5 replies for good." in root_page

    selection = [thread["a"], thread["a1"], thread["b"]]
    page = html(confirm_delete_page(superuser_client, selection))
    assert "This deletes 3 comments and their 2 replies for good." in page

    response = confirm(superuser_client, "delete_selected", selection)
    assert response.status_code == 302
    assert told(response) == [("success", "Deleted 3 comments and their 2 replies for good.")]
    assert sorted(Comment.objects.values_list("body", flat=True)) == ["root", "solo"]
    root = thread["root"]
    root.refresh_from_db()
    assert (root.reply_count, root.descendant_count) == (0, 0)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.HARD_DELETE).count() == 2
    assert_trees_valid()


def confirm_delete_page(client: Client, comments):
    return act(client, "delete_selected", comments)


def test_delete_page_of_a_comment_without_replies(superuser_client, thread):
    url = reverse("admin:comments_comment_delete", args=[thread["solo"].pk])
    assert "This deletes 1 comment for good; there are no replies." in html(
        superuser_client.get(url)
    )


# --- Readers' accounts ------------------------------------------------------


@pytest.fixture
def reader(db) -> User:
    return UserFactory(username="nog")


def test_moderators_see_readers_with_standing_and_comments(moderator_client, reader):
    CommentFactory(author=reader)
    UserFactory(username="lursa", banned=True, moderation_reason="Spam")
    table = rows(html(moderator_client.get(USERS)))
    assert "Banned" in table
    assert f"?author__id__exact={reader.pk}" in table
    table = rows(html(moderator_client.get(USERS, {"standing": "banned"})))
    assert "lursa" in table
    assert "nog" not in table


def test_moderators_cannot_change_accounts_or_passwords(moderator_client, reader):
    change = reverse("admin:accounts_user_change", args=[reader.pk])
    password = reverse("admin:auth_user_password_change", args=[reader.pk])
    page = html(moderator_client.get(change))
    assert "nog" in page
    assert 'name="username"' not in page
    assert 'name="_save"' not in page
    assert password not in page  # no "Reset password" button, no hash summary
    assert "md5$" not in page
    assert moderator_client.post(change, {"username": "hacked"}).status_code == 403
    assert moderator_client.get(password).status_code == 403
    response = moderator_client.post(
        password, {"password1": "Newpass-12345", "password2": "Newpass-12345"}
    )
    assert response.status_code == 403
    reader.refresh_from_db()
    assert reader.username == "nog"
    assert reader.check_password(PASSWORD)


def test_superusers_still_edit_accounts_but_not_their_standing(superuser_client, reader):
    change = reverse("admin:accounts_user_change", args=[reader.pk])
    page = html(superuser_client.get(change))
    assert 'name="bio"' in page
    assert 'name="banned"' not in page  # standing changes only through the actions
    response = superuser_client.post(
        change,
        {
            "username": "nog",
            "email": reader.email,
            "is_active": "on",
            "bio": "Ferengi entrepreneur.",
            "comment_sort": reader.comment_sort,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "banned": "on",
        },
    )
    assert response.status_code == 302, html(response)[:3000]
    reader.refresh_from_db()
    assert reader.bio == "Ferengi entrepreneur."
    assert not reader.banned


def test_suspend_asks_how_long_and_why(moderator_client, moderator, reader):
    page = html(act(moderator_client, "suspend_users", [reader], url=USERS))
    assert "Suspend 1 reader?" in page
    for field in ("days", "until", "reason"):
        assert f'name="{field}"' in page

    page = html(confirm(moderator_client, "suspend_users", [reader], url=USERS, reason="x"))
    assert "Say how long" in page
    page = html(
        confirm(
            moderator_client,
            "suspend_users",
            [reader],
            url=USERS,
            days="3",
            until="2030-01-01T10:00",
            reason="x",
        )
    )
    assert "not both" in page
    page = html(
        confirm(
            moderator_client,
            "suspend_users",
            [reader],
            url=USERS,
            until="2001-01-01T10:00",
            reason="x",
        )
    )
    assert "Pick a moment in the future." in page
    page = html(confirm(moderator_client, "suspend_users", [reader], url=USERS, days="3"))
    assert "Choose a reason or write one: the author is told it." in page
    reader.refresh_from_db()
    assert reader.suspended_until is None

    response = confirm(
        moderator_client, "suspend_users", [reader], url=USERS, days="3", reason="Flame war"
    )
    assert response.status_code == 302
    [(level, message)] = told(response)
    assert level == "success"
    assert message.startswith("1 reader suspended until ")
    reader.refresh_from_db()
    expected = timezone.now() + timedelta(days=3)
    assert abs(reader.suspended_until - expected) < timedelta(minutes=1)
    assert reader.moderation_reason == "Flame war"
    assert not reader.banned
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SUSPEND)
    assert (entry.actor, entry.target_user, entry.reason) == (moderator, reader, "Flame war")
    assert "Suspended until" in rows(html(moderator_client.get(USERS)))


def test_a_readers_page_offers_the_acts_that_apply(moderator_client, moderator, reader):
    CommentFactory(author=reader)
    url = reverse("admin:accounts_user_change", args=[reader.pk])
    page = html(moderator_client.get(url))
    for action in ("suspend_users", "ban_users", "remove_all_comments"):
        assert f'value="{action}"' in page
    assert 'value="reinstate_users"' not in page

    page = html(act(moderator_client, "ban_users", [reader], url=USERS, next=url))
    assert f'name="next" value="{url}"' in page
    response = confirm(moderator_client, "ban_users", [reader], url=USERS, reason="Abuse", next=url)
    assert response["Location"] == url
    page = html(moderator_client.get(url))
    assert 'value="reinstate_users"' in page
    assert "Banned" in page

    # Nobody suspends a superuser or themselves: no buttons for that.
    for other in (UserFactory(is_staff=True, is_superuser=True), moderator):
        page = html(moderator_client.get(reverse("admin:accounts_user_change", args=[other.pk])))
        assert 'value="suspend_users"' not in page


def test_suspend_until_a_date(moderator_client, reader):
    response = confirm(
        moderator_client,
        "suspend_users",
        [reader],
        url=USERS,
        until="2031-05-04T14:30",
        reason="Cool off",
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert timezone.localtime(reader.suspended_until).strftime("%Y-%m-%d %H:%M") == (
        "2031-05-04 14:30"
    )


def test_suspending_a_superuser_is_refused_with_an_error(moderator_client, superuser, reader):
    response = confirm(
        moderator_client,
        "suspend_users",
        [superuser, reader],
        url=USERS,
        days="1",
        reason="Testing",
    )
    messages = told(response)
    assert (
        "error",
        f"Not done for {superuser.username}: You can't suspend yourself or a superuser.",
    ) in messages
    assert any(level == "success" and "1 reader suspended" in text for level, text in messages)
    superuser.refresh_from_db()
    assert superuser.suspended_until is None


def test_ban_and_lift_it(moderator_client, moderator, reader):
    page = html(act(moderator_client, "ban_users", [reader], url=USERS))
    assert "Ban 1 reader" in page
    response = confirm(moderator_client, "ban_users", [reader], url=USERS, reason="Harassment")
    assert told(response) == [("success", "1 reader banned.")]
    reader.refresh_from_db()
    assert reader.banned
    assert reader.moderation_reason == "Harassment"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.BAN, target_user=reader).exists()

    bystander = UserFactory()
    response = act(moderator_client, "reinstate_users", [reader, bystander], url=USERS)
    assert told(response) == [
        ("success", "1 reader reinstated; 1 was not suspended or banned and was left alone.")
    ]
    reader.refresh_from_db()
    assert (reader.banned, reader.moderation_reason) == (False, "")
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.REINSTATE, target_user=reader
    ).exists()


def test_remove_all_their_comments(moderator_client, moderator, reader, article):
    mine = [CommentFactory(article=article, author=reader) for _ in range(3)]
    other = CommentFactory(article=article)
    page = html(act(moderator_client, "remove_all_comments", [reader], url=USERS))
    assert "Remove every published or pending comment by 1 reader" in page
    response = confirm(
        moderator_client, "remove_all_comments", [reader], url=USERS, reason="Spam wave"
    )
    assert told(response) == [("success", "Removed 3 comments by 1 reader.")]
    assert {c.status for c in refreshed(*mine)} == {Comment.Status.REMOVED}
    assert refreshed(other)[0].status == Comment.Status.PUBLISHED
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.REMOVE_ALL, target_user=reader, reason="Spam wave"
    ).exists()


def test_editors_cannot_suspend(editor_client, reader):
    act(editor_client, "suspend_users", [reader], url=USERS)
    confirm(editor_client, "suspend_users", [reader], url=USERS, days="1", reason="x")
    reader.refresh_from_db()
    assert reader.suspended_until is None


# --- Articles ---------------------------------------------------------------


def test_moderators_close_and_reopen_comments_but_cannot_edit_articles(
    moderator_client, moderator, article
):
    page = html(moderator_client.get(ARTICLES))
    assert 'value="close_comments"' in page
    assert 'value="reopen_comments"' in page
    assert 'value="delete_selected"' not in page

    response = confirm(moderator_client, "close_comments", [article], url=ARTICLES)
    assert told(response) == [("success", "Comments closed on 1 article.")]
    article.refresh_from_db()
    assert not article.comments_open
    response = confirm(moderator_client, "reopen_comments", [article], url=ARTICLES)
    assert told(response) == [("success", "Comments reopened on 1 article.")]
    article.refresh_from_db()
    assert article.comments_open
    assert list(
        AuditEntry.objects.filter(article=article).order_by("pk").values_list("action", "actor")
    ) == [("close", moderator.pk), ("open", moderator.pk)]

    change = reverse("admin:articles_article_change", args=[article.pk])
    page = html(moderator_client.get(change))
    assert 'name="title"' not in page
    title = article.title
    response = moderator_client.post(
        change, {"title": "Vandalised", "slug": article.slug, "body": "<p>x</p>"}
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == title


def test_an_articles_page_closes_and_reopens_its_comments(moderator_client, article):
    url = reverse("admin:articles_article_change", args=[article.pk])
    page = html(moderator_client.get(url))
    assert 'value="close_comments"' in page
    response = confirm(moderator_client, "close_comments", [article], url=ARTICLES, next=url)
    assert response["Location"] == url
    article.refresh_from_db()
    assert not article.comments_open
    page = html(moderator_client.get(url))
    assert 'value="reopen_comments"' in page
    assert 'value="close_comments"' not in page


def test_editors_get_no_discussion_actions(editor_client, article):
    page = html(editor_client.get(ARTICLES))
    assert 'value="close_comments"' not in page
    change = html(editor_client.get(reverse("admin:articles_article_change", args=[article.pk])))
    assert 'class="moderation-buttons"' not in change
    confirm(editor_client, "close_comments", [article], url=ARTICLES)
    article.refresh_from_db()
    assert article.comments_open


def test_article_page_shows_the_pinned_comment(moderator_client, moderator, article):
    top = CommentFactory(article=article, body="Pinned wisdom from Garak")
    comment_pin(comment=top, actor=moderator)
    page = html(moderator_client.get(reverse("admin:articles_article_change", args=[article.pk])))
    assert "Pinned wisdom from Garak" in page
    assert reverse("admin:comments_comment_change", args=[top.pk]) in page


def test_article_changelist_links_to_its_comments(moderator_client, article, client):
    CommentFactory(article=article)
    CommentFactory(article=article)
    pending(article=article)
    removed = CommentFactory(article=article)
    comment_status_set(comment=removed, status=Comment.Status.REMOVED)
    table = rows(html(moderator_client.get(ARTICLES)))
    # "N comments" means what the article page's "N Comments" means; the rest is named.
    assert "2 comments</a>" in table
    assert "1 pending" in table
    assert "1 removed or spam" in table
    assert f"?article__id__exact={article.pk}&amp;queue=pending" in table
    assert "2 Comments" in client.get(article.get_absolute_url()).content.decode()


# --- Word list --------------------------------------------------------------


def test_word_rules_record_who_added_them_and_audit_every_change(moderator_client, moderator):
    add = reverse("admin:comments_wordrule_add")
    response = moderator_client.post(add, {"phrase": "Tribble", "action": "hold", "note": "Pest"})
    assert response.status_code == 302
    rule = WordRule.objects.get()
    assert (rule.phrase, rule.created_by) == ("tribble", moderator)
    added = AuditEntry.objects.get(action=AuditEntry.Action.WORD_ADD)
    assert added.actor == moderator
    assert "tribble" in added.detail

    change = reverse("admin:comments_wordrule_change", args=[rule.pk])
    response = moderator_client.post(
        change, {"phrase": "tribble", "action": "block", "note": "Pest"}
    )
    assert response.status_code == 302
    changed = AuditEntry.objects.get(action=AuditEntry.Action.WORD_CHANGE)
    assert "tribble" in changed.detail
    assert "action: hold → block" in changed.detail

    delete = reverse("admin:comments_wordrule_delete", args=[rule.pk])
    assert moderator_client.post(delete, {"post": "yes"}).status_code == 302
    assert not WordRule.objects.exists()
    deleted = AuditEntry.objects.get(action=AuditEntry.Action.WORD_DELETE)
    assert "tribble" in deleted.detail


def test_a_word_rule_differing_only_in_case_is_refused_politely(moderator_client):
    add = reverse("admin:comments_wordrule_add")
    assert moderator_client.post(add, {"phrase": "tribble", "action": "hold"}).status_code == 302
    response = moderator_client.post(add, {"phrase": "  Tribble ", "action": "block"})
    assert "Word rule with this Phrase already exists." in html(response)
    assert WordRule.objects.count() == 1
    assert AuditEntry.objects.count() == 1  # the first add's, nothing for the refused one


def test_word_rules_bulk_delete_is_audited_per_rule(moderator_client):
    rules = [WordRule.objects.create(phrase=p) for p in ("gagh", "racht")]
    response = confirm(moderator_client, "delete_selected", rules, url=WORDS)
    assert response.status_code == 302
    details = set(
        AuditEntry.objects.filter(action=AuditEntry.Action.WORD_DELETE).values_list(
            "detail", flat=True
        )
    )
    assert {d.split("”")[0] for d in details} == {"“gagh", "“racht"}


def test_word_list_search_and_filter(moderator_client, moderator):
    WordRule.objects.create(phrase="gagh", action="block", created_by=moderator)
    WordRule.objects.create(phrase="racht", action="hold")
    table = rows(html(moderator_client.get(WORDS, {"action__exact": "block"})))
    assert "gagh" in table
    assert "racht" not in table
    table = rows(html(moderator_client.get(WORDS, {"q": "rach"})))
    assert "racht" in table
    assert "gagh" not in table


# --- Audit log --------------------------------------------------------------


def test_audit_log_shows_who_what_why_with_links(moderator_client, moderator, article):
    author = UserFactory(username="rom")
    comment = CommentFactory(article=article, author=author)
    comment_moderate(comment=comment, actor=moderator, act="remove", reason="Too loud")
    page = html(moderator_client.get(AUDIT))
    table = rows(page)
    assert moderator.username in table
    assert "Removed" in table
    assert "Too loud" in table
    assert "published → removed" in table
    assert reverse("admin:comments_comment_change", args=[comment.pk]) in table
    assert reverse("admin:accounts_user_change", args=[author.pk]) in table
    assert reverse("admin:articles_article_change", args=[article.pk]) in table
    assert "By action" in page
    assert "By actor" in page
    assert 'name="_selected_action"' not in page  # no actions, no bulk delete
    filtered = rows(html(moderator_client.get(AUDIT, {"action__exact": "approve"})))
    assert "Too loud" not in filtered
    assert "Too loud" in rows(html(moderator_client.get(AUDIT, {"q": "loud"})))


@pytest.mark.parametrize("who", ["moderator", "superuser"])
def test_nobody_can_add_change_or_delete_audit_entries(who, moderator, superuser, article):
    client = _client(moderator if who == "moderator" else superuser)
    comment = CommentFactory(article=article)
    comment_moderate(comment=comment, actor=moderator, act="spam")
    entry = AuditEntry.objects.get()
    assert client.get(reverse("admin:comments_auditentry_add")).status_code == 403
    change = reverse("admin:comments_auditentry_change", args=[entry.pk])
    assert client.post(change, {"reason": "Rewritten"}).status_code == 403
    delete = reverse("admin:comments_auditentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.reason == ""


# --- Flags ------------------------------------------------------------------


def test_moderators_see_readers_flags(moderator_client, article):
    comment = CommentFactory(article=article, body="Flag-worthy")
    comment_flag(comment=comment, user=UserFactory(), reason="other", text="Breaks rule 4")
    table = rows(html(moderator_client.get(FLAGS)))
    assert "Breaks rule 4" in table
    assert "Flag-worthy" in table
    assert reverse("admin:comments_comment_change", args=[comment.pk]) in table


def test_dismissing_flags_takes_a_kept_comment_out_of_the_flagged_queue(moderator_client, article):
    kept = CommentFactory(article=article, body="Sharp but fair")
    flag(kept, 2, reason="abuse")

    response = act(moderator_client, "dismiss_flags", [kept])

    assert told(response) == [("success", "1 comment cleared of their flags.")]
    assert refreshed(kept)[0].status == Comment.Status.PUBLISHED
    flagged = html(moderator_client.get(COMMENTS, {"queue": "flagged"}))
    assert "Sharp but fair" not in rows(flagged)


@pytest.mark.parametrize("value", ["²", "١٢", "99999999999999999999999", "-1", "abc", "%00"])
def test_a_hand_edited_author_filter_never_breaks_the_comment_list(moderator_client, value):
    response = moderator_client.get(
        reverse("admin:comments_comment_changelist"), {"author__id__exact": value}
    )
    assert response.status_code in (200, 302, 400)


# --- Reasons, confirmations and notices for every act (issue 21) -------------


def test_spam_confirms_and_may_say_why_without_telling_the_spammer(moderator_client, article):
    comment = CommentFactory(article=article, body="Cheap replicators here")
    page = html(act(moderator_client, "mark_spam", [comment]))
    assert "the author is not told" in page
    assert 'value="Advertising or self-promotion"' in page  # a standard reason, optional
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PUBLISHED
    response = confirm(
        moderator_client, "mark_spam", [comment], standard="Advertising or self-promotion"
    )
    assert told(response) == [("success", "1 comment marked as spam.")]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SPAM)
    assert entry.reason == "Advertising or self-promotion"
    assert not Notification.objects.filter(recipient=comment.author).exists()


def test_a_standard_reason_and_own_words_go_together(moderator_client, article):
    comment = CommentFactory(article=article)
    response = confirm(
        moderator_client,
        "remove_comments",
        [comment],
        standard="Spoiler without a warning",
        reason="  the   finale's twist ",
    )
    assert told(response) == [("success", "1 comment removed.")]
    expected = "Spoiler without a warning: the finale's twist"
    assert AuditEntry.objects.get(action=AuditEntry.Action.REMOVE).reason == expected
    assert Notification.objects.get(recipient=comment.author).reason == expected


def test_moderators_keep_the_list_of_standard_reasons(moderator_client):
    listing = reverse("admin:comments_standardreason_changelist")
    assert "Personal attack on another reader" in html(moderator_client.get(listing))
    response = moderator_client.post(
        reverse("admin:comments_standardreason_add"),
        {"text": "Misgendering another reader", "position": 5},
    )
    assert response.status_code == 302
    comment = CommentFactory()
    page = html(act(moderator_client, "remove_comments", [comment]))
    assert 'value="Misgendering another reader"' in page


def test_the_spoiler_warning_is_offered_on_or_off_as_the_comment_needs(moderator_client, article):
    comment = CommentFactory(article=article, body="The Dominion wins")
    change = reverse("admin:comments_comment_change", args=[comment.pk])
    page = html(moderator_client.get(change))
    assert 'value="retro_spoiler"' in page
    assert 'value="lift_spoiler"' not in page
    confirm(moderator_client, "retro_spoiler", [comment], reason="Season finale")
    page = html(moderator_client.get(change))
    assert 'value="lift_spoiler"' in page
    assert 'value="retro_spoiler"' not in page
    response = confirm(moderator_client, "lift_spoiler", [comment])
    assert told(response) == [
        ("success", "1 comment shown without a spoiler warning. Their authors were told.")
    ]
    assert Comment.objects.get(pk=comment.pk).body == "The Dominion wins"


def test_a_held_comment_on_a_closed_article_is_not_approved(moderator_client, article):
    held = pending(article=article)
    Article = type(article)
    Article.objects.filter(pk=article.pk).update(comments_open=False)
    change = reverse("admin:comments_comment_change", args=[held.pk])
    page = html(moderator_client.get(change))
    assert 'value="approve_comments"' not in page
    assert 'value="remove_comments"' in page
    response = act(moderator_client, "approve_comments", [held])
    [(level, message)] = told(response)
    assert level == "error"
    assert f"#{held.pk}" in message
    assert "Comments are closed on this article" in message
    assert Comment.objects.get(pk=held.pk).status == Comment.Status.PENDING


def test_ban_and_remove_all_is_one_act(moderator_client, reader, article):
    for _ in range(3):
        CommentFactory(article=article, author=reader)
    page = html(act(moderator_client, "ban_and_remove_all", [reader], url=USERS))
    assert "Ban 1 reader with no end date and remove every" in page
    response = confirm(
        moderator_client,
        "ban_and_remove_all",
        [reader],
        url=USERS,
        standard="Advertising or self-promotion",
    )
    assert told(response) == [("success", "Banned 1 reader and removed 3 comments.")]
    reader.refresh_from_db()
    assert reader.banned
    assert not Comment.objects.filter(author=reader, status=Comment.Status.PUBLISHED).exists()
    kinds = set(Notification.objects.filter(recipient=reader).values_list("kind", flat=True))
    assert kinds == {"banned", "removed_all"}
    user_page = html(moderator_client.get(reverse("admin:accounts_user_change", args=[reader.pk])))
    assert 'value="ban_and_remove_all"' not in user_page  # nothing left to remove


def test_the_change_pages_buttons_come_below_history_and_view_on_site(moderator_client, article):
    comment = CommentFactory(article=article)
    page = html(moderator_client.get(reverse("admin:comments_comment_change", args=[comment.pk])))
    assert page.index('class="object-tools"') < page.index('class="moderation-buttons"')


def test_a_comments_audit_trail_names_who_acted(moderator_client, moderator, article):
    comment = CommentFactory(article=article)
    comment_moderate(comment=comment, actor=moderator, act="remove", reason="Because")
    page = html(moderator_client.get(reverse("admin:comments_comment_change", args=[comment.pk])))
    assert f"Removed by {moderator.username} at " in page
    assert f"Removed by {moderator.pk} at " not in page
