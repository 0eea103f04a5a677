"""Test data, built through the same write paths the site uses.

Articles are saved with ``articles.services.article_save`` (so ``body_html`` is
sanitized) and comments with ``comments.services.comment_create`` (so every
comment gets its MPTT place the way a reader's would). Nothing here writes
tree fields or calls ``bulk_create``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from articles.models import Article, Tag
from articles.services import article_save
from comments.models import Comment, WordRule
from comments.services import comment_create, word_rule_save

PASSWORD = "pw-Trekboard-123"


class UserFactory(DjangoModelFactory):
    # No Faker names: an apostrophe in "O'Brien" would be escaped in pages and
    # make "name in html" asserts fail at random.
    username = factory.Sequence(lambda n: f"reader{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Meta:
        model = settings.AUTH_USER_MODEL
        skip_postgeneration_save = True

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        # set_password only hashes in memory; store the hash.
        if create:
            instance.save(update_fields=["password"])


class TagFactory(DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.LazyAttribute(lambda tag: slugify(tag.name))

    class Meta:
        model = Tag


class ArticleFactory(DjangoModelFactory):
    """A published article open for comments; ``draft=True`` / ``closed=True`` for the others."""

    title = factory.Faker("sentence", nb_words=5)
    slug = factory.LazyAttributeSequence(lambda article, n: f"{slugify(article.title)[:180]}-{n}")
    standfirst = factory.Faker("sentence", nb_words=12)
    body = "<p>Captain's log, stardate 47634.4.</p>"
    author = factory.SubFactory(UserFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    comments_open = True

    class Meta:
        model = Article
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=Article.Status.DRAFT, published_at=None)
        closed = factory.Trait(comments_open=False)

    @classmethod
    def _create(cls, model_class: type[Article], *args: Any, **kwargs: Any) -> Article:
        return article_save(article=model_class(*args, **kwargs))

    @factory.post_generation
    def tags(self, create: bool, extracted: list[Tag] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.tags.add(*extracted)


class CommentFactory(DjangoModelFactory):
    """A published comment; ``CommentFactory(parent=c)`` replies to ``c`` on its article."""

    parent = None
    article = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.article"),
        no_declaration=factory.SubFactory(ArticleFactory),
    )
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment number {n}")

    class Meta:
        model = Comment

    @classmethod
    def _create(cls, model_class: type[Comment], *args: Any, **kwargs: Any) -> Comment:
        # The service is the only writer: it validates, locks and places the node.
        return comment_create(**kwargs)


class WordRuleFactory(DjangoModelFactory):
    """A word rule, listed through ``word_rule_save`` so screening sees it at once.

    Get-or-create by phrase, as ``WordRule.objects.get_or_create`` was: a
    phrase already listed is returned as it is. The actor is a new superuser
    unless ``actor=`` names one.
    """

    phrase = factory.Sequence(lambda n: f"word{n}")
    action = WordRule.Action.HOLD

    class Meta:
        model = WordRule

    @classmethod
    def _create(
        cls, model_class: type[WordRule], *args: Any, actor: Any = None, **kwargs: Any
    ) -> WordRule:
        rule = model_class(*args, **kwargs)
        rule.clean()  # the phrase as it is listed: "  Red Shirt " is "red shirt"
        listed = model_class.objects.filter(phrase=rule.phrase).first()
        if listed is not None:
            return listed
        actor = actor or UserFactory(is_staff=True, is_superuser=True)
        return word_rule_save(rule=rule, actor=actor)
