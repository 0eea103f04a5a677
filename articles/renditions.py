"""Smaller copies of article images, so a phone downloads the size it shows.

A hero is uploaded at 1200 px and a gallery still at 800 px, while a 360 px
phone shows either at about 330 px. Each image gets renditions
(``RENDITION_WIDTHS`` that are narrower than it) written beside it in the
same storage, named ``<name>.w400.jpg``, and templates offer them to the
browser with ``srcset``/``sizes`` (the browser picks by its width and pixel
density).

Renditions are made when an image is saved (``article_save``, the admin's
gallery, ``seed_demo``). Images saved before renditions existed get theirs the
first time a page shows them (``image_set``), or all at once with
``manage.py make_image_renditions``. None of this touches the database: a
page that shows images makes no extra queries.
"""

from __future__ import annotations

import io
import logging
import posixpath
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

RENDITION_WIDTHS = (400, 800)
# Formats a rendition is written in, as the original is; others (GIF) get none.
_SAVE_OPTIONS = {
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 80},
}
# EXIF orientations that turn the picture a quarter: browsers show it width for height.
_QUARTER_TURNS = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112
# What a missing, truncated or hostile file raises (UnidentifiedImageError is an OSError).
_UNREADABLE = (OSError, ValueError, Image.DecompressionBombError)


@dataclass(frozen=True)
class ImageSet:
    """What an ``<img>`` needs: the original's URL and displayed size, and its renditions."""

    url: str
    width: int
    height: int
    srcset: str = ""  # "" when the image has no smaller renditions


def rendition_name(name: str, width: int) -> str:
    """``articles/hero/2026/08/x.jpg`` -> ``articles/hero/2026/08/x.w400.jpg``."""
    base, extension = posixpath.splitext(name)
    return f"{base}.w{width}{extension}"


def _display_size(image: Image.Image) -> tuple[int, int]:
    """The size a browser shows: EXIF-rotated originals are drawn turned."""
    width, height = image.size
    if image.getexif().get(_EXIF_ORIENTATION) in _QUARTER_TURNS:
        return height, width
    return width, height


def _widths_for(width: int, image_format: str | None) -> list[int]:
    if image_format not in _SAVE_OPTIONS:
        return []
    return [w for w in RENDITION_WIDTHS if w < width]


def make_renditions(image: FieldFile, *, force: bool = False, dry_run: bool = False) -> list[str]:
    """Write the renditions ``image`` lacks (all of them with ``force``); their names.

    An image narrower than a rendition width gets no rendition of that width.
    Safe to run twice at once: a rendition another process wrote first is kept.
    With ``dry_run`` nothing is written; the names say what would be.
    """
    if not image:
        return []
    storage, name = image.storage, image.name
    with storage.open(name, "rb") as source, Image.open(source) as original:
        image_format = original.format
        width, _ = _display_size(original)
        wanted = [
            w
            for w in _widths_for(width, image_format)
            if force or not storage.exists(rendition_name(name, w))
        ]
        if dry_run or not wanted:
            return [rendition_name(name, w) for w in wanted]
        picture = ImageOps.exif_transpose(original)
        if picture.mode == "P":  # a palette resizes only by nearest neighbour
            picture = picture.convert("RGBA")
        if image_format == "JPEG" and picture.mode not in ("RGB", "L", "CMYK"):
            picture = picture.convert("RGB")
        written = []
        for target in wanted:
            height = max(1, round(picture.height * target / picture.width))
            out = io.BytesIO()
            picture.resize((target, height), Image.Resampling.LANCZOS).save(
                out, image_format, **_SAVE_OPTIONS[image_format]
            )
            written.append(_store(storage, rendition_name(name, target), out.getvalue(), force))
    _IMAGE_SETS.pop(_key(image), None)
    return written


def _store(storage, name: str, data: bytes, replace: bool) -> str:
    if replace and storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    if saved != name:
        # Another process wrote the same rendition meanwhile; theirs is as good.
        storage.delete(saved)
    return name


def make_article_renditions(
    *, article, force: bool = False, gallery: bool = True, dry_run: bool = False
) -> list[str]:
    """Make the renditions of an article's hero and (``gallery``) its gallery's images."""
    images = [article.hero_image] if article.hero_image else []
    if gallery:
        images += [photo.image for photo in article.gallery.all()]
    written = []
    for image in images:
        try:
            written += make_renditions(image, force=force, dry_run=dry_run)
        except _UNREADABLE:
            # A missing or unreadable file must not stop a save; pages show the original.
            logger.warning("No renditions for %s", image.name, exc_info=True)
    return written


# (storage location, name) -> ImageSet. Uploaded names are never reused within
# a storage (Django picks a new name rather than overwrite), so an entry stays
# true for as long as the file exists; make_renditions drops the entry of an
# image it writes renditions for, and a restart forgets them all.
_IMAGE_SETS: dict[tuple[str, str], ImageSet] = {}
_IMAGE_SETS_MAX = 4096


def _key(image: FieldFile) -> tuple[str, str]:
    return (str(getattr(image.storage, "location", "")), image.name)


def image_set(image: FieldFile) -> ImageSet | None:
    """The original's URL and size and a ``srcset`` of it and its renditions.

    Missing renditions are made here, once, the first time an image is shown
    (images saved before renditions existed). After that the answer comes from
    memory: no file is opened and no query is made. ``None`` when there is no
    image; a missing or unreadable file gives the plain URL with no size (and
    one warning per process, not one per page view).
    """
    if not image:
        return None
    key = _key(image)
    cached = _IMAGE_SETS.get(key)
    if cached is not None:
        return cached
    try:
        make_renditions(image)
        with image.storage.open(image.name, "rb") as source, Image.open(source) as original:
            width, height = _display_size(original)
            widths = _widths_for(width, original.format)
    except _UNREADABLE:
        logger.warning("Cannot read %s for its renditions", image.name, exc_info=True)
        result = ImageSet(url=image.url, width=0, height=0)
    else:
        candidates = [(image.storage.url(rendition_name(image.name, w)), w) for w in widths]
        srcset = ", ".join(f"{url} {w}w" for url, w in [*candidates, (image.url, width)])
        result = ImageSet(
            url=image.url, width=width, height=height, srcset=srcset if candidates else ""
        )
    if len(_IMAGE_SETS) >= _IMAGE_SETS_MAX:
        _IMAGE_SETS.clear()
    _IMAGE_SETS[key] = result
    return result
