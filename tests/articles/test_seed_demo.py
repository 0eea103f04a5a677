"""``manage.py seed_demo``: the demo `make run` loads on every start."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max

from accounts.models import User
from articles.demo.stories import LEAD_SLUG
from articles.models import Article, GalleryImage, Tag
from comments.models import Comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    # The command writes its drawn images; keep them out of var/media.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRODUCTION = False
    return settings.MEDIA_ROOT


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (User, Tag, Article, GalleryImage, Comment)
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
    assert lead_comments.count() >= 150
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
    call_command("check_comment_tree", verbosity=0)


def test_seed_demo_refuses_production_without_force(settings, media_root):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", verbosity=0)
    assert not Article.objects.exists()
