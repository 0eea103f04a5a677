"""The word list moderators keep: words that block a comment or hold it for moderation.

Saving and deleting go through ``comments.services.screening``, which audits
every change and makes posting screen with the new list at once.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from comments.models import WordRule
from comments.services import word_rule_delete, word_rule_save


@admin.register(WordRule)
class WordRuleAdmin(admin.ModelAdmin):
    """Words that block a comment or hold it for moderation. Every change is audited."""

    list_display = ("phrase", "action", "note", "created_by", "created_at")
    list_filter = ("action",)
    search_fields = ("phrase", "note")
    list_select_related = ("created_by",)
    fields = ("phrase", "action", "note", "created_by", "created_at")
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj: WordRule, form, change: bool) -> None:
        # What an edit changed, for the audit log ("action: hold → block").
        changes = (
            ", ".join(
                f"{name}: {form.initial.get(name)!s} → {form.cleaned_data.get(name)!s}"
                for name in form.changed_data
            )
            if change
            else ""
        )
        word_rule_save(rule=obj, actor=request.user, changes=changes)

    def delete_model(self, request, obj: WordRule) -> None:
        word_rule_delete(rule=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        # All or nothing, and one audit entry per rule (Django's would delete in bulk, unaudited).
        with transaction.atomic():
            for rule in queryset:
                word_rule_delete(rule=rule, actor=request.user)
