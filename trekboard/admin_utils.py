"""What every app's admin shares: counted messages, links between changelists, acts that ask why.

The comments, accounts and articles admins report in the same words and send
moderators back to the page they started from in the same way, so those
pieces live here, below all three apps. This module knows no app's models:
whatever is about comments or readers stays in that app's admin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import Model
from django.http import HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode

from trekboard.inputs import safe_url


def plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def report(
    done: int, done_text: str, skipped: int = 0, skipped_text: str = "", *, noun: str = "comment"
) -> str:
    """'3 comments approved; 1 was not pending and was left alone.'"""
    message = f"{plural(done, noun)} {done_text}"
    if skipped:
        was = "was" if skipped == 1 else "were"
        message += f"; {skipped} {was} {skipped_text} and {was} left alone"
    return message + "."


def redirect_to_next(request: HttpRequest) -> HttpResponseRedirect | None:
    """Back to the page an action was started from (a change page), when it says so."""
    next_url = safe_url(request, request.POST.get("next", ""))
    return HttpResponseRedirect(next_url) if next_url else None


def changelist_url(model: type[Model], **params) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


class ReadOnlyAdminMixin:
    """For records nobody writes by hand, superusers included: they are shown, never edited.

    Fits a ModelAdmin and an inline alike (``obj`` is optional for both).
    """

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReasonForm(forms.Form):
    """The one field of every act that must say why (removal, bans, suspensions)."""

    reason = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Kept in the audit log with the act.",
    )

    def __init__(self, *args, help_text: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if help_text:
            self.fields["reason"].help_text = help_text


def confirmation_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: Sequence[Model],
    *,
    action: str,
    title: str,
    intro: str,
    form: forms.Form,
    items: list[str],
    submit_label: str,
    template: str,
) -> TemplateResponse:
    """An intermediate page like delete_selected's: what is about to happen, and a form.

    It posts back to the changelist with the same selection, ``post=yes`` and
    the ``next`` page the action was started from.
    """
    opts = modeladmin.model._meta
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(
        request,
        [
            f"admin/{opts.app_label}/{opts.model_name}/{template}",
            "admin/moderation_confirmation.html",
        ],
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "intro": intro,
            "items": items,
            "form": form,
            "queryset": queryset,
            "action": action,
            "submit_label": submit_label,
            # Where it was started from: a form's field, or a queue row's link.
            "next": request.POST.get("next") or request.GET.get("next", ""),
            # The changelist runs the action, wherever the page was asked from
            # (a queue row's Remove without a reason comes from its own URL).
            "form_action": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            "opts": opts,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": modeladmin.media + form.media,
        },
    )


def ask_then_act(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Sequence[Model],
    *,
    form: Callable[[Any], forms.Form],
    act: Callable[[dict[str, Any]], object],
    action: str,
    title: str,
    intro: str,
    items: list[str],
    submit_label: str,
    template: str | None = None,
) -> HttpResponseRedirect | TemplateResponse | None:
    """An action that must be told why (or how long) before it does anything.

    Chosen from the changelist, it shows ``form`` on a confirmation page; only
    that page's own post (``post=yes``) with a valid form runs
    ``act(cleaned_data)``, which reports what it did, and then goes back to
    the page the action was started from. An invalid form is shown again with
    its errors and nothing is done. ``form`` is called with the posted data or
    ``None``; ``template`` defaults to ``<action>_confirmation.html``.
    """
    bound = form(request.POST if request.POST.get("post") else None)
    if bound.is_valid():
        act(bound.cleaned_data)
        return redirect_to_next(request)
    return confirmation_page(
        modeladmin,
        request,
        objects,
        action=action,
        title=title,
        intro=intro,
        form=bound,
        items=items,
        submit_label=submit_label,
        template=template or f"{action}_confirmation.html",
    )
