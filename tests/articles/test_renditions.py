"""Smaller renditions of article images, and the srcset/sizes pages offer them with."""

from __future__ import annotations

import io
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from articles import renditions
from articles.models import Article, GalleryImage
from articles.renditions import image_set, make_renditions, rendition_name
from articles.services import article_save
from tests.comments.test_paging import ARTICLE_PAGE_QUERIES_ANONYMOUS
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def _image(width: int, height: int, fmt: str = "JPEG", mode: str = "RGB", **save) -> ContentFile:
    out = io.BytesIO()
    Image.new(mode, (width, height), (30, 60, 120, 200)[: len(mode)]).save(out, fmt, **save)
    return ContentFile(out.getvalue())


def _with_hero(width: int = 1200, height: int = 675, name: str = "hero.jpg", **kwargs) -> Article:
    article = ArticleFactory(**kwargs)
    article.hero_image.save(name, _image(width, height), save=False)
    return article_save(article=article)


def _size(media_root: Path, name: str) -> tuple[str, tuple[int, int]]:
    with Image.open(media_root / name) as image:
        return image.format, image.size


@pytest.fixture
def media_root(settings) -> Path:
    return Path(settings.MEDIA_ROOT)


def test_rendition_names_sit_beside_the_original():
    assert rendition_name("articles/hero/2026/08/x.jpg", 400) == "articles/hero/2026/08/x.w400.jpg"


def test_saving_an_article_writes_400_and_800_px_renditions_of_its_hero(media_root):
    article = _with_hero()
    name = article.hero_image.name
    assert _size(media_root, rendition_name(name, 400)) == ("JPEG", (400, 225))
    assert _size(media_root, rendition_name(name, 800)) == ("JPEG", (800, 450))
    assert _size(media_root, name) == ("JPEG", (1200, 675))  # the original is untouched


def test_no_rendition_is_as_wide_as_the_image_or_wider(media_root):
    gallery_sized = _with_hero(800, 450, "still.jpg")
    small = _with_hero(300, 200, "small.jpg")
    assert (media_root / rendition_name(gallery_sized.hero_image.name, 400)).is_file()
    assert not (media_root / rendition_name(gallery_sized.hero_image.name, 800)).exists()
    assert not list((media_root / small.hero_image.name).parent.glob("small*.w*"))
    assert image_set(small.hero_image).srcset == ""


def test_a_png_keeps_its_format_and_transparency(media_root):
    name = default_storage.save("articles/hero/logo.png", _image(1000, 500, "PNG", "RGBA"))
    field = Article(hero_image=name).hero_image
    assert make_renditions(field) == [rendition_name(name, 400), rendition_name(name, 800)]
    with Image.open(media_root / rendition_name(name, 400)) as small:
        assert (small.format, small.mode, small.size) == ("PNG", "RGBA", (400, 200))


def test_a_photo_turned_by_its_exif_is_measured_and_scaled_as_shown(media_root):
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown rotated a quarter: portrait
    name = default_storage.save("articles/hero/phone.jpg", _image(1200, 900, exif=exif.tobytes()))
    field = Article(hero_image=name).hero_image
    shown = image_set(field)
    assert (shown.width, shown.height) == (900, 1200)
    assert _size(media_root, rendition_name(name, 400)) == ("JPEG", (400, 533))


def test_image_set_gives_srcset_width_and_height():
    article = _with_hero()
    url = article.hero_image.url
    base = url.removesuffix(".jpg")
    shown = image_set(article.hero_image)
    assert shown.url == url
    assert (shown.width, shown.height) == (1200, 675)
    assert shown.srcset == f"{base}.w400.jpg 400w, {base}.w800.jpg 800w, {url} 1200w"


def test_the_article_page_offers_the_renditions_with_sizes(client):
    article = _with_hero()
    photo = GalleryImage(article=article, caption="A still", position=1)
    photo.image.save("still.jpg", _image(800, 450), save=False)
    photo.save()
    article_save(article=article)
    html = client.get(article.get_absolute_url()).content.decode()

    hero = re.search(r'<figure class="story__hero">\s*<img ([^>]*)>', html).group(1)
    hero_base = article.hero_image.url.removesuffix(".jpg")
    assert f'srcset="{hero_base}.w400.jpg 400w, {hero_base}.w800.jpg 800w' in hero
    assert 'sizes="(min-width: 44rem) 42rem, calc(100vw - 2rem)"' in hero
    assert 'width="1200" height="675"' in hero

    still = re.search(r'<figure class="gallery__item">\s*<a [^>]*><img ([^>]*)>', html).group(1)
    still_base = photo.image.url.removesuffix(".jpg")
    assert f'srcset="{still_base}.w400.jpg 400w, {photo.image.url} 800w"' in still
    assert "sizes=" in still
    assert 'width="800" height="450"' in still
    assert 'loading="lazy"' in still


def test_front_page_cards_offer_renditions(client):
    _with_hero(title="Newer")
    html = client.get("/").content.decode()
    card = re.search(r'<a class="card__image"[^>]*>\s*<img ([^>]*)>', html).group(1)
    assert ".w400.jpg 400w" in card
    assert 'sizes="' in card
    assert 'width="1200" height="675"' in card


def _unrendered_hero() -> Article:
    """An article whose hero was saved before renditions existed (no files beside it)."""
    article = ArticleFactory()
    name = default_storage.save("articles/hero/old.jpg", _image(1200, 675))
    Article.objects.filter(pk=article.pk).update(hero_image=name)
    article.refresh_from_db()
    return article


def test_an_image_without_renditions_gets_them_when_first_shown(client, media_root, settings):
    settings.ANONYMOUS_PAGE_SECONDS = 0
    article = _unrendered_hero()
    name = article.hero_image.name
    assert not (media_root / rendition_name(name, 400)).exists()
    html = client.get(article.get_absolute_url()).content.decode()
    assert (media_root / rendition_name(name, 400)).is_file()
    assert (media_root / rendition_name(name, 800)).is_file()
    assert ".w400.jpg 400w" in html


def test_images_cost_the_article_page_no_queries(client, settings, django_assert_num_queries):
    # The anonymous budget pinned in tests/comments/test_views.py, with a hero
    # made now, an old hero made lazily, and a gallery.
    settings.ANONYMOUS_PAGE_SECONDS = 0
    for article in (_with_hero(), _unrendered_hero()):
        GalleryImage.objects.create(
            article=article, image=default_storage.save("g.jpg", _image(800, 450))
        )
        with django_assert_num_queries(ARTICLE_PAGE_QUERIES_ANONYMOUS):
            response = client.get(article.get_absolute_url())
        assert ".w400.jpg 400w" in response.content.decode()


def test_a_missing_file_still_renders_the_page(client, media_root, settings):
    settings.ANONYMOUS_PAGE_SECONDS = 0
    article = _unrendered_hero()
    (media_root / article.hero_image.name).unlink()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    hero = re.search(r'<figure class="story__hero">\s*<img ([^>]*)>', response.content.decode())
    assert f'src="{article.hero_image.url}"' in hero.group(1)
    assert "srcset" not in hero.group(1)
    assert "width=" not in hero.group(1)


def test_the_command_makes_what_is_missing(media_root):
    article = _unrendered_hero()
    name = article.hero_image.name
    out = StringIO()
    call_command("make_image_renditions", "--dry-run", stdout=out)
    assert "Would write 2 renditions." in out.getvalue()
    assert not (media_root / rendition_name(name, 400)).exists()

    out = StringIO()
    call_command("make_image_renditions", verbosity=2, stdout=out)
    assert rendition_name(name, 400) in out.getvalue()
    assert "Wrote 2 renditions." in out.getvalue()
    assert _size(media_root, rendition_name(name, 800)) == ("JPEG", (800, 450))

    out = StringIO()
    call_command("make_image_renditions", stdout=out)
    assert "Wrote 0 renditions." in out.getvalue()
    call_command("make_image_renditions", "--force", stdout=out)
    assert "Wrote 2 renditions." in out.getvalue()
    assert not list((media_root / name).parent.glob("old.w400_*"))  # rewritten in place


def test_the_demo_images_get_renditions(media_root):
    from django.utils import timezone

    from articles.demo.stories import STORIES
    from articles.management.commands.seed_demo import _create_article
    from tests.factories import UserFactory

    story = next(story for story in STORIES if story.gallery)
    article = _create_article(story=story, author=UserFactory(), now=timezone.now())
    for image in [article.hero_image, *(photo.image for photo in article.gallery.all())]:
        assert (media_root / rendition_name(image.name, 400)).is_file(), image.name


def test_the_answer_is_remembered_per_storage(media_root):
    article = _with_hero()
    first = image_set(article.hero_image)
    assert renditions._IMAGE_SETS[renditions._key(article.hero_image)] is first
    (media_root / rendition_name(article.hero_image.name, 400)).unlink()
    assert image_set(article.hero_image) is first  # no file is looked at again
