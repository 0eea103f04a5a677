"""The standard reasons moderators keep: the list every act's form offers (comments.forms)."""

from __future__ import annotations

from django.contrib import admin

from comments.models import StandardReason


@admin.register(StandardReason)
class StandardReasonAdmin(admin.ModelAdmin):
    """The reasons offered on every act's form; editing one changes no past record."""

    list_display = ("text", "position")
    list_editable = ("position",)
    search_fields = ("text",)
    ordering = ("position", "text")
