from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The JSON API under /api/v1/ and the embed (embed.js, count.js and the frame they open).

    Above the other apps: it reads through their selectors and writes through
    their services, as the HTML views do, and nothing below imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "API and embed"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        from api.embed import cors_allowed

        check_request_enabled.connect(cors_allowed, dispatch_uid="api-cors")
