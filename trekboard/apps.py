from django.apps import AppConfig


class TrekboardConfig(AppConfig):
    """The project package as an app: shared templatetags and the cache-table migration."""

    name = "trekboard"
    verbose_name = "Trekboard"
