"""Trekboard settings: one module, every value from the environment.

Development needs no configuration at all. ``TREKBOARD_ENV=production`` turns
on the deploy hardening and refuses to start without the values that have no
safe default (``SECRET_KEY``, ``ALLOWED_HOSTS``). The README lists every variable.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from trekboard.ratelimits import parse_rate_limits

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

TREKBOARD_ENV = env.str("TREKBOARD_ENV", default="development")
if TREKBOARD_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"TREKBOARD_ENV must be 'development' or 'production', not {TREKBOARD_ENV!r}."
    )
PRODUCTION = TREKBOARD_ENV == "production"


def _required_in_production(name: str, dev_default: str) -> str:
    value = env.str(name, default="")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"{name} must be set when TREKBOARD_ENV=production (see README, Configuration)."
        )
    return dev_default


SECRET_KEY = _required_in_production(
    "SECRET_KEY", "django-insecure-trekboard-development-only-never-use-in-production"
)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS must be set when TREKBOARD_ENV=production, e.g. ALLOWED_HOSTS=example.org"
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "mptt",
    "django_htmx",
    "trekboard",
    "accounts",
    "articles",
    "comments",
    "api",
    # Installed (not only imported) so the API's docs use its own copy of
    # Swagger UI, from our static files, not a CDN the CSP would block anyway.
    "ninja",
    "corsheaders",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compression: gzips every text response for clients that take it (pages,
    # fragments, JSON; static files in development), leaving alone what is
    # already encoded (cached anonymous pages, production's precompressed static
    # files). Above everything that writes a body, so it compresses the final
    # one; why that is BREACH-safe is in trekboard/compression.py.
    "trekboard.compression.CompressionMiddleware",
    # The Content-Security-Policy header on every response (see below).
    "csp.middleware.CSPMiddleware",
    # The API's errors as problem+json, those of the middleware below included.
    "api.middleware.ProblemMiddleware",
    # An unreachable database, wherever it is noticed, gets the 503 page (trekboard/middleware.py).
    "trekboard.middleware.DatabaseUnavailableMiddleware",
    # Early: a NUL byte or non-text bytes in the address get a 400 page.
    "trekboard.inputs.BadInputMiddleware",
    # An open page's "anything new?" while nothing changed: one cache read, before the rest.
    "comments.middleware.QuietPollMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Before CommonMiddleware, whose redirects would go out without the CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # After the CSRF check: an admin action naming ids that aren't ids is a 400, not a 500.
    "trekboard.inputs.AdminSelectionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.TokenAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # The last with process_exception: reruns a view PostgreSQL rolled back over a deadlock.
    "trekboard.middleware.DatabaseRetryMiddleware",
    # Last, so it sees the login attempt's outcome and turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "trekboard.urls"
WSGI_APPLICATION = "trekboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": [
                "trekboard.templatetags.reversed_urls",
                "trekboard.templatetags.kept_formats",
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "comments.context_processors.notifications",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
elif PRODUCTION:
    raise ImproperlyConfigured("DATABASE_URL must be set when TREKBOARD_ENV=production.")
else:
    from trekboard.embedded_db import ensure_running

    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", **ensure_running()}}
# runserver starts a thread per request and never reuses it, so a persistent
# connection per thread piles up until PostgreSQL refuses everyone; make run
# serves with gunicorn's fixed workers instead (trekboard/dev.py).
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "CONN_MAX_AGE", default=0 if sys.argv[1:2] == ["runserver"] else 60
)
# A connection that died (the database restarted, the network dropped) is
# noticed at the start of the next request and replaced: no restart needed.
# trekboard.database is Django's backend with a check that polls the socket
# instead of a SELECT 1 per request.
DATABASES["default"]["ENGINE"] = "trekboard.database"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# An unreachable database must fail a request in seconds (the 503 page), not hang it.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
)
# A view PostgreSQL rolled back over a deadlock, a lock timeout or a
# serialization failure runs again this many times in all, after a jittered
# pause growing from DB_RETRY_PAUSE seconds (trekboard/middleware.py).
DB_RETRY_ATTEMPTS = env.int("DB_RETRY_ATTEMPTS", default=5)
# The article page's two big reads are prepared once per connection
# (trekboard/queries.py). Turn off behind a pooler that hands each transaction
# another server connection (PgBouncer's transaction mode).
# Behind a pooler in transaction mode (PgBouncer's pool_mode = transaction)
# each transaction may get another server connection, so nothing may outlive
# one: no prepared statements (below) and no server-side cursors (what
# QuerySet.iterator() uses for exports and re-renders). Trekboard keeps no
# other session state: its locks are transaction-level advisory locks.
DATABASE_POOL_MODE = env.str("DATABASE_POOL_MODE", default="session")
if DATABASE_POOL_MODE not in ("session", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOL_MODE must be 'session' or 'transaction'.")
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_POOL_MODE == "transaction"
DATABASE_PREPARED_STATEMENTS = env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=DATABASE_POOL_MODE == "session"
)
DB_RETRY_PAUSE = 0.05
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Read replicas ----------------------------------------------------------
# Streaming replicas of the primary, comma-separated URLs: pages, fragments,
# feeds and search read from them; writes, locks and a writer's next reads stay
# on the primary (trekboard/replicas.py says exactly which).
DATABASE_REPLICA_URLS = [
    url.strip() for url in env.str("DATABASE_REPLICA_URLS", default="").split(",") if url.strip()
]
# After a write, that reader reads from the primary this long: they see their own comment.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
# A replica further behind than this is skipped until it catches up.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
# How often each process asks each replica how far behind it is (one small query).
REPLICA_CHECK_SECONDS = env.float("REPLICA_CHECK_SECONDS", default=1.0)
# How long a replica that didn't answer is left alone before it is asked again.
REPLICA_RETRY_SECONDS = env.float("REPLICA_RETRY_SECONDS", default=5.0)
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    _replica = environ.Env.db_url_config(_url)
    if not _replica["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS must point at PostgreSQL replicas.")
    _replica.update(
        ENGINE="trekboard.database",
        CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=True,
        # A replica that doesn't answer costs a request one second, then is skipped.
        OPTIONS={**_replica.get("OPTIONS", {}), "connect_timeout": 1},
        DISABLE_SERVER_SIDE_CURSORS=DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"],
        # Tests read the primary's test database through it, as a replica would.
        TEST={"MIRROR": "default"},
    )
    DATABASES[f"replica{_number}"] = _replica
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["trekboard.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "trekboard.replicas.ReplicaMiddleware",
    )

# --- Cache ------------------------------------------------------------------
# A cache every process shares: rate limits and cached pages must agree across
# gunicorn workers, so never a per-process (locmem) cache.
if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            # RedisCache that treats Redis being down as an empty cache (trekboard/cache.py).
            "BACKEND": "trekboard.cache.FailSafeRedisCache",
            "LOCATION": env.str("REDIS_URL"),
            "KEY_PREFIX": "trekboard",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2, "retry_after": 5},
        }
    }
else:
    CACHES = {
        "default": {
            # Django's DatabaseCache in one statement per call (trekboard/cache.py).
            "BACKEND": "trekboard.cache.PostgresDatabaseCache",
            "LOCATION": "trekboard_cache",
            # Django's default (300) would cull a busy site's sessions and pages
            # all day; rows are a few KB (a cached page about 50 KB).
            "OPTIONS": {"MAX_ENTRIES": env.int("DATABASE_CACHE_MAX_ENTRIES", default=50_000)},
        }
    }

# --- Jobs -------------------------------------------------------------------
# Emails and admin imports run as RQ jobs on this Redis (trekboard/jobs.py),
# worked by `manage.py run_jobs`; unset (the default without REDIS_URL), they
# run in the process that wrote, right after the commit.
JOBS_REDIS_URL = env.str("JOBS_REDIS_URL", default=env.str("REDIS_URL", default=""))
JOBS_QUEUE = env.str("JOBS_QUEUE", default="trekboard")
# Tries after the first, with pauses of 10 s, 1 min, 5 min, 15 min.
JOBS_RETRIES = env.int("JOBS_RETRIES", default=3)
# A job still running after this many seconds is stopped and counts as failed.
JOBS_TIMEOUT = env.int("JOBS_TIMEOUT", default=3600)

# --- Rate limits ------------------------------------------------------------
# Posting, replying, liking, flagging and logging in, counted per account and
# per IP address in the shared cache above (trekboard/ratelimits.py; the syntax
# and defaults are in the README). "off" is for load tests, refused in production.
RATE_LIMITS = parse_rate_limits(env.str("RATE_LIMITS", default=""), production=PRODUCTION)
# How many reverse proxies in front of gunicorn append the reader's address to
# X-Forwarded-For. 0: the connection's own address (REMOTE_ADDR) is the reader's.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "articles:list"
LOGOUT_REDIRECT_URL = "articles:list"
# AxesStandaloneBackend first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, loading the signed-in reader with a prepared statement.
    "accounts.backends.UserBackend",
]

# Login throttling (django-axes)
# After AXES_FAILURE_LIMIT wrong passwords for one username from one address,
# that username is locked out from that address (both logins, the site's and
# the admin's) for AXES_COOLOFF_MINUTES, counted from the latest attempt; a
# correct password does not get through meanwhile. Keyed on the pair, so an
# attacker can't lock a reader out from the reader's own address, and guessing
# across many usernames is held back by RATE_LIMITS' per-address login limit.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# The same address the rate limits count (TRUSTED_PROXY_COUNT, IPv6 by /64).
AXES_CLIENT_IP_CALLABLE = "trekboard.addresses.client_network"
# A 429 page saying how long to wait, with Retry-After (accounts/views.py).
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"

# --- Email ------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Trekboard <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Notification emails are sent inside the request, after the commit; a mail
# server that hangs must not hold a reader's post for long.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "static")
MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Files nobody may download: the WordPress and Disqus exports uploaded for an
# import hold commenters' emails and IP addresses. Never served; shared by the
# app machines and the job workers like MEDIA_ROOT.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded images are served by Django only in development (see trekboard/urls.py).
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=not PRODUCTION)

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# Sessions are read on every signed-in request: from the shared cache, written
# through to the database so a cache flush logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    if env.bool("TRUST_X_FORWARDED_PROTO", default=True):
        # TLS ends at the load balancer / reverse proxy in front of gunicorn.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Content-Security-Policy (django-csp 4) ----------------------------------
# Script and style come from our own static files only: no inline <script>, no
# on* attributes, no style="", no other hosts. A payload that ever got past the
# sanitizer would still not run. htmx works under it: base.html turns off the
# <style> it would inject (includeIndicatorStyles: false), and no template uses
# hx-on or js: values, the htmx features that need 'unsafe-eval'. The admin's
# JavaScript is in static files too. Uploaded images may come from MEDIA_URL's host.
_MEDIA_ORIGIN = "/".join(MEDIA_URL.split("/")[:3]) if "://" in MEDIA_URL else ""  # scheme://host
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": [
            "'self'",
            "data:",
            *([_MEDIA_ORIGIN] if _MEDIA_ORIGIN else []),
        ],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Trekboard --------------------------------------------------------------
COMMENT_MAX_LENGTH = 10_000
# Replies deeper than this many levels are reached through "Continue this thread".
COMMENT_VISUAL_DEPTH = 8
ARTICLES_PER_PAGE = env.int("ARTICLES_PER_PAGE", default=10)
# Top-level threads per page of a discussion, and replies shown under any one
# comment before "N more replies".
COMMENT_THREADS_PER_PAGE = env.int("COMMENT_THREADS_PER_PAGE", default=50)
COMMENT_REPLIES_SHOWN = env.int("COMMENT_REPLIES_SHOWN", default=10)
# An upper bound on the comments one page renders, however the threads branch:
# Reddit's 200. A page of a busy discussion stays around 200 KB and renders in
# the same time at 1,000 comments as at 100,000 (bench/README.md).
COMMENT_PAGE_BUDGET = env.int("COMMENT_PAGE_BUDGET", default=200)
# How long authors may edit their own comments.
COMMENT_EDIT_MINUTES = env.int("COMMENT_EDIT_MINUTES", default=15)
# Moderation. Comments with more links than this wait for a moderator; so do a
# new account's first N comments (0: off). Articles stop taking comments N days
# after publication (0: never).
COMMENT_MAX_LINKS = env.int("COMMENT_MAX_LINKS", default=2)
HOLD_FIRST_COMMENTS = env.int("HOLD_FIRST_COMMENTS", default=0)
COMMENTS_CLOSE_AFTER_DAYS = env.int("COMMENTS_CLOSE_AFTER_DAYS", default=0)
# Days after a release airs in a reader's region before comments marked as
# spoiling it show to everyone, watched or not.
RELEASE_SPOILER_DAYS = env.int("RELEASE_SPOILER_DAYS", default=14)
# Anonymous readers' article pages come from the shared cache for this long at
# most (every write that changes a page replaces it at once); 0 turns it off.
ANONYMOUS_PAGE_SECONDS = env.int("ANONYMOUS_PAGE_SECONDS", default=60)
# How often an open article page asks whether others have commented ("3 new
# comments · Show them"); the answer costs one cache read while nothing changed.
LIVE_POLL_SECONDS = env.int("LIVE_POLL_SECONDS", default=10)
# Keys of cached pages start with this (tests give each test its own).
PAGE_CACHE_PREFIX = ""
# Replace page versions inside the writing transaction too (tests only: their
# transactions are rolled back, never committed).
PAGE_CACHE_BUMP_NOW = False
# Sites whose pages may carry a discussion through embed.js (a ``*`` may stand
# for the port or the first labels of the host); the admin's Embedding sites
# come on top. Development allows any port on the loopback addresses.
EMBED_ALLOWED_ORIGINS = env.list(
    "EMBED_ALLOWED_ORIGINS",
    default=[] if PRODUCTION else ["http://127.0.0.1:*", "http://localhost:*"],
)
# CORS: the API's reads for the embedding sites (count.js); an origin is
# allowed by api.embedding, never with cookies, never for writes (the widget
# writes from its own frame, on this site).
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("accept", "if-none-match")
CORS_EXPOSE_HEADERS = ("ETag", "Retry-After")
CORS_PREFLIGHT_MAX_AGE = 3600
# Absolute links in emails (notifications, unsubscribe) start with this.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        # django-axes announces itself at every start-up, management commands
        # included; its lockouts are still logged (axes.handlers, WARNING).
        "axes.apps": {"level": "WARNING"},
    },
}
