"""Editors' admin: articles with search, filters, slug prefill and a link to the page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from articles.models import Article
from tests.factories import ArticleFactory, CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, staff_user):
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    return client


def _jpeg() -> SimpleUploadedFile:
    from io import BytesIO

    buffer = BytesIO()
    Image.new("RGB", (64, 36), (20, 40, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile("hero.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_article_changelist_searches_and_links_to_page(admin_client_):
    ArticleFactory(title="Trailer for season three")
    ArticleFactory(title="Convention diary")
    response = admin_client_.get(reverse("admin:articles_article_changelist"), {"q": "trailer"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Trailer for season three" in html
    assert "Convention diary" not in html
    assert "View on site" in html


def test_article_add_form_prefills_slug_and_sanitizes(admin_client_, staff_user):
    add_url = reverse("admin:articles_article_add")
    assert "prepopulated" in admin_client_.get(add_url).content.decode()
    response = admin_client_.post(
        add_url,
        {
            "title": "Uploaded hero",
            "slug": "uploaded-hero",
            "standfirst": "",
            "body": "<p>Hi</p><script>alert(1)</script>",
            "hero_image": _jpeg(),
            "hero_caption": "A nebula",
            "video_url": "",
            "status": "published",
            "published_at_0": "2026-01-01",
            "published_at_1": "10:00:00",
            "comments_open": "on",
            "gallery-TOTAL_FORMS": "0",
            "gallery-INITIAL_FORMS": "0",
            "gallery-MIN_NUM_FORMS": "0",
            "gallery-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="uploaded-hero")
    assert article.body_html == "<p>Hi</p>"
    assert article.author == staff_user
    assert article.hero_image.name.endswith(".jpg")


def test_comment_changelist_shows_thread_links(admin_client_, article):
    comment = CommentFactory(article=article, body="Moderate me")
    html = admin_client_.get(reverse("admin:comments_comment_changelist")).content.decode()
    assert "Moderate me" in html
    assert comment.get_absolute_url() in html


def test_readers_cannot_open_admin(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
