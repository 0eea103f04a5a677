"""Storage for files no URL may serve (uploaded exports: commenters' emails and addresses)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under ``PRIVATE_MEDIA_ROOT``, read afresh from the settings; no URL at all."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no URL.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
