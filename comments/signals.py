"""Receivers that keep comments right when something outside this app changes.

An account's likes would go by CASCADE and leave the comments it liked with
counts too high; however the account is deleted (admin, shell, a script),
they are taken back through the service first. Connected in ``CommentsConfig.ready``.
"""

from __future__ import annotations

from comments.services.reactions import user_likes_withdraw


def account_deleted(instance, **kwargs) -> None:
    user_likes_withdraw(user=instance)
