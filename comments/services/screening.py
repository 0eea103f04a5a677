"""Screening a new or edited comment: blocked and held words, links, new accounts.

The word list is read on every post and changed rarely, so it is cached
(shared cache) and forgotten whenever a moderator changes it
(``word_rule_save`` / ``word_rule_delete``). A reply reads it from the table
instead, as a column of the query that reads its parent under the thread's
lock (``word_rules_column``): a query it runs anyway, where the cache would
cost one more on the database cache.
"""

from __future__ import annotations

import re
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import JSONField
from django.db.models.expressions import RawSQL

from comments.models import AuditEntry, Comment, WordRule
from comments.rules import require_permission
from comments.services.status import audit

_LINK = re.compile(r'<a href="https?:', re.I)
_ANCHOR = re.compile(r"<a\b[^>]*>.*?</a>", re.I | re.S)
# An address the renderer didn't make a link of (a domain it doesn't know,
# "spam.example/1"; one in a code span) is still an address a reader can copy.
_ADDRESS = re.compile(r"(?:\bhttps?://|\bwww\.|\b(?:[\w-]+\.)+[a-z][a-z0-9-]+/)\S", re.I)


def link_count(body_html: str) -> int:
    """Links in a comment counted one way, whatever they look like: made ones and bare addresses."""
    return len(_LINK.findall(body_html)) + len(_ADDRESS.findall(_ANCHOR.sub(" ", body_html)))


def _rule_pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.I)


def hold_reason(
    text: str, body_html: str, author, *, new: bool = True, rules: list[WordRule] | None = None
) -> str:
    """Why a comment must wait for a moderator ("" when it needn't).

    Raises ValidationError for a blocked word, whoever writes it. Staff and
    moderators are not held. ``new=False`` (an edit) skips the new-account rule.
    ``rules``: the word list when the caller read it (``word_rules_from``), else
    it comes from the cache.
    """
    # Moderators are staff (admin needs it); is_staff avoids a permissions query per post.
    trusted = author.is_staff or author.is_superuser
    for rule in _word_rules() if rules is None else rules:
        if not _rule_pattern(rule.phrase).search(text):
            continue
        if rule.action == WordRule.Action.BLOCK:
            raise ValidationError(
                f"Your comment contains “{rule.phrase}”, which isn't allowed here. "
                "Change it and try again."
            )
        if not trusted:
            return f"Contains the held word “{rule.phrase}”."
    if trusted:
        return ""
    links = link_count(body_html)
    if links > settings.COMMENT_MAX_LINKS:
        return f"Has {links} links (more than {settings.COMMENT_MAX_LINKS})."
    first = settings.HOLD_FIRST_COMMENTS
    if new and first and Comment.objects.filter(author=author).count() < first:
        return f"One of a new account's first {first} comments."
    return ""


def _word_rules() -> list[WordRule]:
    """The word list, from the shared cache (it is read on every post, changed rarely)."""
    rules = cache.get(word_rules_cache_key())
    if rules is None:
        rules = list(WordRule.objects.order_by("action", "phrase"))
        cache.set(word_rules_cache_key(), rules, 3600)
    return rules


def word_rules_column() -> RawSQL:
    """The word list as a column of another query, in ``_word_rules``' order.

    Read it with ``word_rules_from``.
    """
    table = connection.ops.quote_name(WordRule._meta.db_table)
    return RawSQL(  # noqa: S611 - our own table, no parameters
        "SELECT coalesce(jsonb_agg(jsonb_build_array(phrase, action) ORDER BY action, phrase), "  # noqa: S608
        f"'[]') FROM {table}",
        (),
        output_field=JSONField(),
    )


def word_rules_from(column: list[list[str]]) -> list[WordRule]:
    """The rules a ``word_rules_column`` holds."""
    return [WordRule(phrase=phrase, action=action) for phrase, action in column]


def word_rules_cache_key() -> str:
    return f"{settings.PAGE_CACHE_PREFIX}comments:word-rules"


def word_rules_changed() -> None:
    """Forget the cached word list, now and again once the change is committed.

    Now, so the rest of this transaction screens with the new list; on commit,
    so a post screened meanwhile in another transaction can't cache the old one.
    """
    cache.delete(word_rules_cache_key())
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(partial(cache.delete, word_rules_cache_key()), robust=True)


def word_rule_save(*, rule: WordRule, actor, changes: str = "") -> WordRule:
    """Add a word rule, or keep an edit to one; audited, and screened with at once.

    A new rule records who added it. ``changes`` says what an edit changed,
    for the audit log ("action: hold → block"); empty means nothing did.
    """
    adding = rule._state.adding
    require_permission(actor, "comments.add_wordrule" if adding else "comments.change_wordrule")
    with transaction.atomic():
        if adding:
            rule.created_by = actor
        rule.save()
        word_rules_changed()
        if adding:
            action = AuditEntry.Action.WORD_ADD
            detail = f"“{rule.phrase}” ({rule.action})"
        else:
            action = AuditEntry.Action.WORD_CHANGE
            detail = f"“{rule.phrase}” ({changes or 'no change'})"
        audit(actor=actor, action=action, detail=detail[:300])
    return rule


def word_rule_delete(*, rule: WordRule, actor) -> None:
    """Take a word rule off the list, audited; comments already held by it stay held."""
    require_permission(actor, "comments.delete_wordrule")
    with transaction.atomic():
        audit(
            actor=actor,
            action=AuditEntry.Action.WORD_DELETE,
            detail=f"“{rule.phrase}” ({rule.action})"[:300],
        )
        rule.delete()
        word_rules_changed()
