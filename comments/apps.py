from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import pre_delete


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Discussions"

    def ready(self) -> None:
        # Django's documented place to import receivers: models are loaded by now.
        from comments import signals

        pre_delete.connect(signals.account_deleted, sender=settings.AUTH_USER_MODEL, weak=False)
