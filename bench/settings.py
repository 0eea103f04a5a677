"""trekboard.settings as the bench scripts and the gunicorn they start run them.

Nothing here changes how fast anything is. Two values come from the bench run:

* ``BENCH_DATABASE_NAME``: the run's throwaway database, so that a gunicorn
  started by ``bench/load.py`` serves the data the script generated;
* ``BENCH_CACHE_PREFIX``: added to every cache's key prefix, so a Redis that
  outlives a run never answers it with pages cached by an earlier one (each
  throwaway database numbers its articles and comments from 1 again).
"""

from __future__ import annotations

import os

from trekboard.settings import *  # noqa: F403
from trekboard.settings import CACHES, DATABASES

if os.environ.get("BENCH_DATABASE_NAME"):
    DATABASES["default"]["NAME"] = os.environ["BENCH_DATABASE_NAME"]

if os.environ.get("BENCH_CACHE_PREFIX"):
    for _cache in CACHES.values():
        _cache["KEY_PREFIX"] = ":".join(
            part
            for part in (_cache.get("KEY_PREFIX", ""), os.environ["BENCH_CACHE_PREFIX"])
            if part
        )

# bench/page_weight.py: static files as production serves them (collectstatic's
# hashed names with .br and .gz beside them), uploaded images served (bench/urls.py)
# and, for the "before" figures, the site without its compression middleware.
if os.environ.get("BENCH_PRODUCTION_STATIC"):
    STORAGES = {
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
if os.environ.get("BENCH_SERVE_MEDIA"):
    ROOT_URLCONF = "bench.urls"
if os.environ.get("BENCH_WITHOUT_COMPRESSION"):
    MIDDLEWARE = [
        name
        for name in MIDDLEWARE  # noqa: F405
        if name != "trekboard.compression.CompressionMiddleware"
    ]
