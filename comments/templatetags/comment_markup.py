"""Comment markup for templates: threads, a comment's parts, avatars, dates, excerpts.

The markup itself is made by ``comments.render`` from
``comments.display.ShownComment`` objects; these tags hand it one
``RenderContext`` per response. Pages outside the discussion (profiles, the
inbox) use the avatar, date and excerpt helpers, so they match the threads.
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from articles import selectors as article_selectors
from articles.models import Release
from comments import covers, render, spoilers
from comments.sanitize import html_to_text
from trekboard.inputs import id_from

register = template.Library()


@register.simple_tag
def avatar(user, size: str = "") -> str:
    """Initials on a colour derived from the username: no external avatar service."""
    # The same markup as in threads (comments.render), which escapes the initials.
    return mark_safe(render.avatar(user, size))  # noqa: S308


@register.filter
def plain_text(body_html: str) -> str:
    """Sanitized HTML as one line of text with spoilers masked: for previews and descriptions."""
    return html_to_text(body_html)


@register.filter
def thread_range(page) -> str:
    """ "51 to 100" for the second page of a discussion's threads."""
    per_page = settings.COMMENT_THREADS_PER_PAGE
    first = (page.page - 1) * per_page + 1
    return f"{first} to {first + len(page.threads) - 1}"


@register.filter
def ago(value: datetime) -> str:
    """One-unit relative time ("3 hours ago"); the title attribute holds the exact time."""
    return render.ago(value)


# --- Comments: markup made by comments.render, one RenderContext per response ---


def _render_context(context) -> render.RenderContext:
    cached = context.render_context.get("comment_render_context")
    if cached is None:
        cached = render.RenderContext.build(
            article=context["article"],
            request=context.get("request"),
            sort=context.get("sort") or "best",
            base_level=context.get("base_level") or 0,
            next_url=context.get("next") or "",
        )
        cached.marks = context.get("overlay_marks")
        context.render_context["comment_render_context"] = cached
    return cached


# comments.render escapes everything a person wrote except the sanitized body_html.
@register.simple_tag(takes_context=True)
def comment_threads(context, nodes) -> str:
    markup = render.threads(nodes, _render_context(context))
    splice = context.get("threads_splice")  # the view puts them in the page's bytes
    return mark_safe(markup if splice is None else splice.keep(markup))  # noqa: S308


@register.simple_tag(takes_context=True)
def comment_tree(context, node) -> str:
    return mark_safe("".join(render.comment(node, _render_context(context))))  # noqa: S308


@register.simple_tag(takes_context=True)
def comment_meta(context, node, oob: bool = False) -> str:
    return mark_safe(render.meta(node, _render_context(context), oob=oob))  # noqa: S308


@register.simple_tag(takes_context=True)
def comment_content(context, node) -> str:
    return mark_safe(render.content(node, _render_context(context)))  # noqa: S308


@register.simple_tag(takes_context=True)
def comment_like(context, node) -> str:
    return mark_safe(render.like(node, _render_context(context)))  # noqa: S308


@register.simple_tag(takes_context=True)
def more_replies(context, parent_pk: int, more: int, offset: int) -> str:
    return mark_safe(render.more_replies(parent_pk, more, offset, _render_context(context)))  # noqa: S308


_UNKNOWN = object()


def _cover_of(context, comment):
    """The release ``comment`` is covered by for this page's reader, or None.

    A marked comment nobody checked yet (``spoilers.cover_rows`` sets
    ``covered_by``) is checked here, one query, so no page prints a marked
    comment's text by forgetting to ask.
    """
    if comment.spoils_id and getattr(comment, "covered_by", _UNKNOWN) is _UNKNOWN:
        request = context.get("request")
        spoilers.cover_rows([comment], user=request.user, watched=spoilers.watched_of(request))
    return getattr(comment, "covered_by", None)


@register.simple_tag(takes_context=True)
def comment_body(context, comment) -> str:
    """A comment's text outside the threads (a reply's parent, a profile), or its spoiler cover."""
    airings = _cover_of(context, comment)
    if airings is not None:
        path = context.get("request").get_full_path()
        return mark_safe(covers.cover(comment.pk, airings, return_path=path))  # noqa: S308
    return mark_safe(f'<div class="comment__body">{comment.body_html}</div>')  # noqa: S308


@register.simple_tag(takes_context=True)
def comment_excerpt(context, comment, length: int = 220) -> str:
    """A comment's first words as plain text (the inbox), or its cover in words."""
    airings = _cover_of(context, comment)
    if airings is not None:
        return spoilers.as_text(airings)
    return Truncator(html_to_text(comment.body_html)).chars(length)


@register.inclusion_tag("comments/_spoiler_picker.html", takes_context=True)
def spoiler_picker(context) -> dict:
    """The comment form's "Spoils" list, when the article has a show with releases.

    Chosen: what the writer sent back (a form shown again), else the parent's mark.
    """
    article, parent, form = context.get("article"), context.get("parent"), context.get("form")
    choices = getattr(article, "spoiler_choices", None)
    if choices is None:
        choices = article.spoiler_choices = article_selectors.spoiler_choices(article=article)
    if form is not None and form.is_bound:
        chosen = id_from(form.data.get("spoils") or "")
    else:
        chosen = getattr(parent, "spoils_id", None)
    if chosen and choices and all(release.pk != chosen for release in choices):
        # A parent's mark older than the list still heads its replies' lists.
        choices = [*Release.objects.filter(pk=chosen), *choices]
    return {
        "choices": choices,
        "chosen": chosen,
        "form_id": context.get("form_id"),
        "inherited": bool(getattr(parent, "spoils_id", None)),
    }
