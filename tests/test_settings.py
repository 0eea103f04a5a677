"""Production mode refuses unsafe configuration and passes Django's deploy checks."""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest
from django.core.cache import cache

from tests.helpers import manage_py


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return manage_py(*args, **env)


PRODUCTION = {
    "TREKBOARD_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "board.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/trekboard",
}


def test_check_deploy_is_clean_in_production_mode():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(missing):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    env[missing] = ""
    result = _manage("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set when TREKBOARD_ENV=production" in result.stderr


def test_unknown_environment_name_is_refused():
    result = _manage("check", TREKBOARD_ENV="staging")
    assert result.returncode != 0
    assert "TREKBOARD_ENV must be 'development' or 'production'" in result.stderr


@pytest.mark.django_db
def test_cache_is_shared_not_per_process(settings):
    backend = settings.CACHES["default"]["BACKEND"]
    if os.environ.get("REDIS_URL"):
        assert backend == "trekboard.cache.FailSafeRedisCache"  # Django's RedisCache, fail-safe
    else:
        # Django's DatabaseCache, one statement per call.
        assert backend == "trekboard.cache.PostgresDatabaseCache"
    cache.set("trekboard-test-key", {"ok": 1}, 30)
    assert cache.get("trekboard-test-key") == {"ok": 1}
    cache.delete("trekboard-test-key")


def test_healthz_reports_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_check_deploy_is_clean_with_read_replicas():
    replicas = "postgres://postgres@127.0.0.1:5432/a, postgres://postgres@127.0.0.1:5432/b"
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", DATABASE_REPLICA_URLS=replicas, **PRODUCTION
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_replica_that_is_not_postgresql_is_refused():
    result = _manage("check", DATABASE_REPLICA_URLS="mysql://root@127.0.0.1/trekboard")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS must point at PostgreSQL replicas" in result.stderr
