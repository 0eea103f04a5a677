from django.apps import AppConfig


class TrekboardConfig(AppConfig):
    """The project package as an app: for the cache-table migration."""

    name = "trekboard"
    verbose_name = "Trekboard"
