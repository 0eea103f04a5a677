from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _word_rules_changed(**kwargs) -> None:
    from comments.services import word_rules_changed

    word_rules_changed()


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Discussions"

    def ready(self) -> None:
        # The word list is cached for posting; admin, shell and migrations all change it.
        post_save.connect(_word_rules_changed, sender="comments.WordRule", weak=False)
        post_delete.connect(_word_rules_changed, sender="comments.WordRule", weak=False)
