"""generate_discussion: big synthetic discussions, realistic, repeatable and valid."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from articles.models import Article
from comments import generate
from comments.generate import USER_COUNT, discussion_generate
from comments.models import Comment, CommentLike
from comments.ranking import best_score
from comments.sanitize import sanitize_comment
from tests.factories import ArticleFactory, CommentFactory
from tests.helpers import reply_chain

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("generate_discussion", *args, stdout=out)
    return out.getvalue()


def check_trees() -> str:
    out = StringIO()
    call_command("check_comment_tree", stdout=out)
    return out.getvalue()


def outline(article: Article) -> str:
    """Everything a seed decides, one line per comment in tree order; dates from publication."""
    likers: dict[int, list[str]] = {}
    likes = CommentLike.objects.filter(comment__article=article).values_list(
        "comment_id", "user__username"
    )
    for comment_id, username in likes:
        likers.setdefault(comment_id, []).append(username)
    lines = []
    rows = Comment.objects.for_article(article).select_related("author").order_by("tree_id", "lft")
    for c in rows:
        lines.append(
            f"{'  ' * c.level}{c.author.username} {c.status} +{c.created_at - article.published_at}"
            f" likes={c.like_count}:{','.join(sorted(likers.get(c.pk, [])))}"
            f" replies={c.reply_count}/{c.descendant_count} {c.body!r}"
        )
    return "\n".join(lines)


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


def test_small_discussion_has_the_count_and_the_shape(now):
    out = run("--article", "small-talk", "--comments", "300")

    article = Article.objects.get(slug="small-talk")
    comments = Comment.objects.for_article(article)
    assert comments.count() == 300
    top_level = comments.filter(parent=None).count()
    assert 0.22 <= top_level / 300 <= 0.38
    assert f"{top_level:,} top-level" in out
    assert "300 comments" in out
    statuses = Counter(comments.values_list("status", flat=True))
    assert statuses[Comment.Status.PUBLISHED] > 0.9 * 300
    assert set(statuses) <= {"published", "pending", "removed", "deleted"}
    assert check_trees().startswith("OK")


def test_a_thousand_comments_nest_mostly_shallow_with_a_chain_deeper_than_ten():
    summary = discussion_generate(slug="deep", comments=1000, seed=7)

    levels = Counter(Comment.objects.for_article(summary.article).values_list("level", flat=True))
    assert max(levels) > 10
    assert summary.max_depth == max(levels)
    replies = sum(n for level, n in levels.items() if level > 0)
    assert sum(levels[level] for level in range(1, 5)) / replies > 0.8
    assert check_trees().startswith("OK")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_long_chain_is_there_whatever_the_seed(seed):
    nodes = generate.plan_discussion(
        comments=1000,
        seed=seed,
        start=timezone.now() - timedelta(days=3),
        end=timezone.now(),
    )
    assert max(node.level for node in nodes) > 10


def test_the_same_seed_gives_the_same_discussion(now):
    published = now - timedelta(days=3)
    first = ArticleFactory(slug="first", published_at=published)
    second = ArticleFactory(slug="second", published_at=published)

    discussion_generate(slug="first", comments=300, seed=5, now=now)
    discussion_generate(slug="second", comments=300, seed=5, now=now)

    assert outline(first) == outline(second)
    assert outline(first).count("\n") == 299


def test_the_command_repeats_itself_on_new_articles():
    run("--article", "one", "--comments", "200", "--seed", "3")
    run("--article", "two", "--comments", "200", "--seed", "3")

    one, two = Article.objects.get(slug="one"), Article.objects.get(slug="two")
    # Dates are relative to publication, which is "now" minus a week for each.
    assert outline(one) == outline(two)


def test_another_seed_gives_another_discussion(now):
    published = now - timedelta(days=3)
    first = ArticleFactory(slug="first", published_at=published)
    second = ArticleFactory(slug="second", published_at=published)

    discussion_generate(slug="first", comments=300, seed=1, now=now)
    discussion_generate(slug="second", comments=300, seed=2, now=now)

    def shape(article: Article) -> list[int]:
        return list(Comment.objects.for_article(article).values_list("level", flat=True))

    assert shape(first) != shape(second)


def test_likes_are_skewed_never_by_the_author_and_counted():
    summary = discussion_generate(slug="liked", comments=1000, seed=1)

    likes = CommentLike.objects.filter(comment__article=summary.article)
    assert likes.count() == summary.likes > 0
    assert not likes.filter(user=F("comment__author")).exists()
    counts = list(
        Comment.objects.for_article(summary.article).values_list(
            "like_count", "reply_count", "best_score", "status", "created_at"
        )
    )
    assert sum(1 for likes, *_ in counts if likes == 0) > len(counts) / 2
    assert max(likes for likes, *_ in counts) >= 20
    for like_count, reply_count, score, status, created_at in counts:
        expected = best_score(likes=like_count, replies=reply_count, created_at=created_at)
        assert score == pytest.approx(expected)
        if status != Comment.Status.PUBLISHED:
            assert like_count == 0
    assert check_trees().startswith("OK")


def test_replies_come_after_their_parents_within_the_articles_life(now):
    article = ArticleFactory(slug="dated", published_at=now - timedelta(days=2))
    discussion_generate(slug="dated", comments=300, seed=4, now=now)

    comments = Comment.objects.for_article(article).select_related("parent")
    dates = [c.created_at for c in comments]
    assert len(set(dates)) == len(dates)
    assert all(article.published_at < date < now for date in dates)
    assert all(c.parent is None or c.parent.created_at < c.created_at for c in comments)
    # Busiest at the start, as a post's discussions are.
    first_day = sum(1 for date in dates if date < article.published_at + timedelta(days=1))
    assert first_day > len(dates) / 2


def test_pending_comments_have_no_replies():
    summary = discussion_generate(slug="held", comments=1000, seed=2)

    comments = Comment.objects.for_article(summary.article)
    assert not comments.filter(parent__status=Comment.Status.PENDING).exists()
    for deleted in comments.filter(status=Comment.Status.DELETED):
        assert deleted.get_children().exists()


def test_bodies_are_sanitized_as_posted_comments_are():
    summary = discussion_generate(slug="texts", comments=1000, seed=1)

    comments = Comment.objects.for_article(summary.article)
    mentioned = comments.filter(body__startswith="@reader-gen-").first()
    assert mentioned is not None
    assert 'class="mention"' in mentioned.body_html
    bodies = set(comments.values_list("body", "body_html"))
    assert len(bodies) > 200  # varied
    for body, body_html in list(bodies)[:50]:
        urls = {}
        if body.startswith("@"):
            name = body.split()[0][1:]
            urls = {name: f"/users/{name}/"}
        assert body_html == sanitize_comment(body, mentions=urls)
    assert comments.filter(body_html__contains='class="spoiler"').exists()


def test_readers_are_made_once_and_reused():
    first = discussion_generate(slug="a", comments=50, seed=1)
    second = discussion_generate(slug="b", comments=50, seed=1)

    assert first.users_created == USER_COUNT
    assert second.users_created == 0
    readers = get_user_model().objects.filter(username__startswith="reader-gen-")
    assert readers.count() == USER_COUNT
    assert readers.filter(username="reader-gen-001").exists()
    assert readers.filter(username="reader-gen-200").exists()
    assert not any(reader.has_usable_password() for reader in readers)


def test_a_missing_article_is_made_published_and_open():
    out = run("--article", "first-contact-day", "--comments", "20")

    article = Article.objects.get(slug="first-contact-day")
    assert "new article 'first-contact-day'" in out
    assert article.title == "First contact day"
    assert article.is_published
    assert article.accepts_comments


def test_an_existing_article_keeps_its_threads_and_gets_new_ones(article):
    chain = reply_chain(article, 3)
    solo = CommentFactory(article=article, body="solo")
    before = list(
        Comment.objects.for_article(article).values_list("pk", "tree_id", "lft", "rght", "level")
    )

    out = run("--article", article.slug, "--comments", "100")

    assert f"existing article '{article.slug}', beside its 5 comments" in out
    comments = Comment.objects.for_article(article)
    assert comments.count() == 105
    after = set(comments.values_list("pk", "tree_id", "lft", "rght", "level"))
    assert set(before) <= after
    old_trees = {chain[0].tree_id, solo.tree_id}
    assert comments.filter(tree_id__in=old_trees).count() == 5
    assert check_trees().startswith("OK")


def test_the_article_page_renders_the_discussion(client):
    summary = discussion_generate(slug="page", comments=300, seed=1)

    response = client.get(summary.article.get_absolute_url())

    assert response.status_code == 200
    first = Comment.objects.for_article(summary.article).published().order_by("created_at").first()
    assert first.author.username in response.content.decode()


def test_bad_arguments_are_refused_and_nothing_is_written():
    users = get_user_model().objects.count()
    with pytest.raises(CommandError, match="comments"):
        run("--article", "zero", "--comments", "0")
    with pytest.raises(CommandError, match="isn't a slug"):
        run("--article", "Not a slug", "--comments", "10")
    ArticleFactory(slug="future", published_at=timezone.now() + timedelta(days=1))
    with pytest.raises(CommandError, match="in the future"):
        run("--article", "future", "--comments", "10")
    assert not Comment.objects.exists()
    assert not Article.objects.filter(slug__in=["zero", "not-a-slug"]).exists()
    assert get_user_model().objects.count() == users + 1  # the future article's author


def test_a_tree_that_fails_the_check_rolls_everything_back(monkeypatch):
    from comments.generate import write

    real = write.number_tree

    def broken(root, tree_id):
        nodes = real(root, tree_id)
        nodes[-1].rght = nodes[-1].lft
        return nodes

    monkeypatch.setattr(write, "number_tree", broken)
    with pytest.raises(CommandError, match="nothing was written"):
        run("--article", "broken", "--comments", "50")
    assert not Article.objects.filter(slug="broken").exists()
    assert not Comment.objects.exists()
    assert not get_user_model().objects.filter(username__startswith="reader-gen-").exists()


def test_a_dry_run_writes_nothing():
    out = run("--article", "rehearsal", "--comments", "50", "--dry-run")

    assert out.startswith("Would generate on new article 'rehearsal'")
    assert "50 comments" in out
    assert not Article.objects.filter(slug="rehearsal").exists()
    assert not Comment.objects.exists()
