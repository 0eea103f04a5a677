"""trekboard.urls, plus the uploaded images for bench/page_weight.py.

With DEBUG off (as the bench runs) Django leaves uploads to the web server in
front of it; the bench has none, so its gunicorn serves them itself, as
``make run`` does, and the images a reader downloads are counted.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from trekboard.urls import handler400, handler404, urlpatterns as site_urlpatterns

__all__ = ["handler400", "handler404", "urlpatterns"]

urlpatterns = [
    *site_urlpatterns,
    re_path(
        rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
        serve,
        {"document_root": settings.MEDIA_ROOT},
    ),
]
