from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_delete


def _word_rules_changed(**kwargs) -> None:
    from comments.services import word_rules_changed

    word_rules_changed()


def _account_deleted(instance, **kwargs) -> None:
    from comments.services import user_likes_withdraw

    user_likes_withdraw(user=instance)


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Discussions"

    def ready(self) -> None:
        # The word list is cached for posting; admin, shell and migrations all change it.
        post_save.connect(_word_rules_changed, sender="comments.WordRule", weak=False)
        post_delete.connect(_word_rules_changed, sender="comments.WordRule", weak=False)
        # An account's likes would go by CASCADE and leave the comments it liked
        # with counts too high; however the account is deleted (admin, shell, a
        # script), they are taken back through the service first.
        pre_delete.connect(_account_deleted, sender=settings.AUTH_USER_MODEL, weak=False)
