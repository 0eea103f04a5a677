"""The article's own author is marked "Author" in its discussion (issue 12, point 8)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ArticleFactory, CommentFactory, UserFactory
from tests.helpers import comment_block

pytestmark = pytest.mark.django_db

AUTHOR_BADGE = (
    '<span class="badge badge--author" title="Author of the article">Author'
    '<span class="visually-hidden"> of the article</span></span>'
)


@pytest.fixture
def discussion():
    writer = UserFactory(is_staff=True, first_name="Ada", last_name="Writer")
    article = ArticleFactory(author=writer)
    question = CommentFactory(article=article, body="Will there be a season four?")
    answer = CommentFactory(article=article, parent=question, author=writer, body="Yes!")
    # The same person on someone else's article is not its author.
    elsewhere = CommentFactory(author=writer, body="Nice review")
    return article, question, answer, elsewhere


def test_the_articles_author_is_marked_author_and_still_staff(client, discussion):
    article, question, answer, _ = discussion
    html = client.get(article.get_absolute_url()).content.decode()
    mine = comment_block(html, answer.pk)
    assert AUTHOR_BADGE in mine
    assert 'class="badge badge--staff"' in mine
    assert mine.index("badge--author") < mine.index("badge--staff")
    assert "badge--author" not in comment_block(html, question.pk)
    assert html.count("badge--author") == 1


def test_the_mark_is_on_the_permalink_page_too(client, discussion):
    _, question, answer, elsewhere = discussion
    html = client.get(reverse("comments:detail", kwargs={"pk": answer.pk})).content.decode()
    assert AUTHOR_BADGE in comment_block(html, answer.pk)
    html = client.get(reverse("comments:detail", kwargs={"pk": question.pk})).content.decode()
    assert AUTHOR_BADGE in comment_block(html, answer.pk)
    assert "badge--author" not in comment_block(html, question.pk)
    # On another article the same writer is a reader like any other.
    html = client.get(reverse("comments:detail", kwargs={"pk": elsewhere.pk})).content.decode()
    assert "badge--author" not in html
    assert 'class="badge badge--staff"' in html
