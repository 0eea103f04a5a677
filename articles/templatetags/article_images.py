"""``{% image_set article.hero_image as hero %}``: an image's size and ``srcset`` for ``<img>``."""

from __future__ import annotations

from django import template

from articles import renditions

register = template.Library()


@register.simple_tag
def image_set(image) -> renditions.ImageSet | None:
    """The original's URL and size, and a ``srcset`` of it and its smaller renditions."""
    return renditions.image_set(image)
