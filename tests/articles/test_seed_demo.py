"""``manage.py seed_demo``: the demo `make run` loads on every start."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Max

from accounts.models import User
from articles.demo.stories import LEAD_SLUG
from articles.models import Article, GalleryImage, Tag
from comments import inbox, selectors
from comments.models import (
    ArticleVisit,
    AuditEntry,
    Comment,
    CommentFlag,
    CommentLike,
    CommentRevision,
    Notification,
    WordRule,
)
from comments.ranking import Sort
from comments.services import undoable_decisions

pytestmark = pytest.mark.django_db

NEW_SINCE = re.compile(r"<strong>(\d+) new</strong> since your last visit")
BELL_COUNT = re.compile(r'class="bell__count">(\d+)<')


@pytest.fixture
def media_root(settings, tmp_path):
    # The command writes its drawn images; keep them out of var/media.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRODUCTION = False
    return settings.MEDIA_ROOT


@pytest.fixture
def lead(media_root, django_capture_on_commit_callbacks) -> Article:
    # The seed's jobs (the readers its comments name are told) run after its commit.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    return Article.objects.get(slug=LEAD_SLUG)


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Tag,
            Article,
            GalleryImage,
            Comment,
            CommentLike,
            CommentFlag,
            CommentRevision,
            Notification,
            ArticleVisit,
        )
    }


def test_seed_demo_loads_a_lived_in_site_once(media_root):
    call_command("seed_demo", verbosity=0)
    first = _counts()
    call_command("seed_demo", verbosity=0)

    assert _counts() == first
    assert Article.objects.published().count() >= 5
    assert Article.objects.filter(status=Article.Status.DRAFT).exists()
    assert 20 <= first["User"] <= 30
    editor = User.objects.get(username="editor")
    assert editor.is_staff
    assert editor.is_superuser
    assert editor.check_password("trekboard-demo")

    lead = Article.objects.get(slug=LEAD_SLUG)
    lead_comments = Comment.objects.for_article(lead).published()
    assert lead_comments.count() >= 200
    assert lead_comments.aggregate(deepest=Max("level"))["deepest"] >= 10
    gallery = list(lead.gallery.all())
    assert 6 <= len(gallery) <= 10
    assert all(photo.caption for photo in gallery)
    assert all((media_root / photo.image.name).is_file() for photo in gallery)
    assert (media_root / lead.hero_image.name).is_file()

    for comment in Comment.objects.select_related("parent", "article"):
        assert comment.created_at > comment.article.published_at
        if comment.parent is not None:
            assert comment.created_at > comment.parent.created_at
    # The tree and every counter the services keep (replies, descendants, likes).
    call_command("check_comment_tree", verbosity=0)


def test_lead_discussion_shows_every_reader_feature(client, lead):
    """What an anonymous reader sees on the lead article's first page of threads."""
    roots = Comment.objects.for_article(lead).filter(parent=None).count()
    assert roots > django_settings.COMMENT_THREADS_PER_PAGE

    page = client.get(lead.get_absolute_url()).content.decode()

    assert "Load more comments" in page
    assert re.search(r"\d+ more replies", page)
    assert "Continue this thread" in page
    assert page.count('class="spoiler"') >= 2
    assert "[deleted]" in page
    assert page.count('class="mention"') >= 3
    assert "· edited" in page
    like_counts = [int(n) for n in re.findall(r'class="like__count">(\d+)<', page)]
    assert max(like_counts) >= 15
    assert like_counts.count(0) > len(like_counts) / 3


def test_demo_readers_like_flag_edit_and_delete(lead):
    comments = Comment.objects.all()

    # Likes are uneven: most comments have at most one, a few draw a crowd.
    assert CommentLike.objects.count() >= 300
    assert not CommentLike.objects.filter(comment__author=F("user")).exists()
    assert comments.filter(like_count__gte=10).count() >= 3
    assert comments.filter(like_count__lte=1).count() > comments.count() / 2
    # So every sort puts different threads first.
    firsts = {
        sort: [
            c.pk
            for c in selectors.thread_page(
                article=lead, sort=sort, page=1, user=AnonymousUser()
            ).threads[:5]
        ]
        for sort in Sort
    }
    assert len({tuple(pks) for pks in firsts.values()}) == len(Sort)

    # One question draws more answers than a page shows under it.
    assert (
        Comment.objects.for_article(lead)
        .filter(reply_count__gt=django_settings.COMMENT_REPLIES_SHOWN)
        .exists()
    )
    # Spoilers in both syntaxes.
    spoilers = comments.filter(body_html__contains='class="spoiler"')
    assert spoilers.filter(body__contains="||").exists()
    assert spoilers.filter(body__icontains="[spoiler]").exists()
    # Readers @mention each other (a reply's mention of its parent's author
    # notifies as a reply; the others as mentions).
    assert comments.filter(body_html__contains='class="mention"').count() >= 5
    assert Notification.objects.filter(kind=Notification.Kind.MENTION).count() >= 3

    edited = comments.exclude(edited_at=None)
    assert edited.count() >= 1
    assert CommentRevision.objects.filter(comment__in=edited).exists()
    deleted = comments.filter(status=Comment.Status.DELETED)
    assert deleted.filter(descendant_count__gt=0, article=lead).exists()
    assert CommentFlag.objects.count() >= 2
    assert CommentFlag.objects.filter(reason=CommentFlag.Reason.SPOILER).exists()


def test_editor_logs_in_to_new_comments_and_notifications(client, lead):
    editor = User.objects.get(username="editor")
    unread = inbox.unread_notification_count(user=editor)
    assert unread >= 3
    kinds = set(inbox.inbox(user=editor).filter(read_at=None).values_list("kind", flat=True))
    # Replies and mentions, and the moderators' pin of their welcome.
    assert kinds == {Notification.Kind.REPLY, Notification.Kind.MENTION, Notification.Kind.PINNED}
    # What they read on their last visit is marked read.
    assert Notification.objects.filter(recipient=editor).exclude(read_at=None).exists()

    client.force_login(editor)
    page = client.get(lead.get_absolute_url()).content.decode()

    assert BELL_COUNT.search(page).group(1) == str(unread)
    new = int(NEW_SINCE.search(page).group(1))
    assert 5 <= new <= 15
    assert page.count('class="badge badge--new">New<') >= 5


def test_seed_demo_refuses_production_without_force(settings, media_root):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", verbosity=0)
    assert not Article.objects.exists()


def test_moderator_logs_in_to_work_in_every_queue(client, lead):
    moderator = User.objects.get(username="moderator")
    assert moderator.is_staff
    assert not moderator.is_superuser
    assert moderator.groups.filter(name="Moderators").exists()
    assert moderator.has_perm("comments.can_moderate")

    assert Comment.objects.filter(article=lead, status=Comment.Status.PENDING).count() == 2
    assert Comment.objects.filter(status=Comment.Status.SPAM).exists()
    assert User.objects.get(username="deals4you").banned
    assert User.objects.filter(suspended_until__isnull=False).count() == 1
    assert AuditEntry.objects.filter(actor=moderator).count() >= 6
    assert WordRule.objects.filter(action=WordRule.Action.BLOCK).exists()

    html = client.get(lead.get_absolute_url()).content.decode()
    first_thread = html.index('<article class="comment')
    assert html.index("Pinned", first_thread) < html.index(
        '<article class="comment', first_thread + 1
    )
    assert "Editor's pick" in html
    assert "[removed by a moderator]" in html
    assert "leaked script" not in html  # held, so readers don't see it


def test_the_pinned_welcome_shows_how_to_mark_a_spoiler(client, lead):
    # Its instruction used to hide itself: the bars themselves made a spoiler.
    page = client.get(lead.get_absolute_url()).content.decode()
    for spelling in ("||double bars||", "&gt;!Reddit's marks!&lt;", "[spoiler]…[/spoiler]"):
        assert f"<code>{spelling}</code>" in page
    assert "<code>**bold**</code>" in page
    # ...and shows one working spoiler, hidden until revealed.
    assert '<span class="spoiler__text">the saucer separates' in page


def test_the_demo_moderators_day_is_not_offered_to_them_to_undo(lead):
    moderator = User.objects.get(username="moderator")
    assert AuditEntry.objects.filter(actor=moderator, comment__isnull=False).exists()
    assert undoable_decisions(actor=moderator) == []
