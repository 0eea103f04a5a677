"""What a moderator sees of each comment: the changelist's columns and the change page's fields.

Each row carries its context (article, parent, permalink) and its author's
record so a comment can be judged without opening it. Everything here reads
annotations from ``comments.queues.with_moderation_context``: a page of
100 rows costs the same few queries as a page of 1.
"""

from __future__ import annotations

from collections import Counter
from contextvars import ContextVar
from typing import NamedTuple

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timesince import timesince

from comments.admin.display import author_record, author_standing
from comments.models import Comment, CommentFlag, StandardReason
from comments.queues import REPLIES_LISTED, thread_around
from trekboard.admin_utils import changelist_url

# The standard reasons, read once per changelist request (CommentAdmin.changelist_view)
# for every row's reason list; a context variable, so concurrent requests never share it.
standard_reasons: ContextVar[list[str] | None] = ContextVar("standard_reasons", default=None)
# The row's "In my own words…": the removal page then asks for them.
OWN_WORDS = "__own__"
# Whether this changelist's viewer may decide (the row's buttons), set per request likewise.
decisions_shown: ContextVar[bool] = ContextVar("decisions_shown", default=False)


class PersonActs(NamedTuple):
    """The acts on a row's author this viewer may take, and where each comes back to."""

    viewer_id: int | None = None
    viewer_is_superuser: bool = False
    back: str = ""
    acts: tuple[tuple[str, str], ...] = ()


# Set per changelist request, like the two above.
NO_PERSON_ACTS = PersonActs()
person_acts: ContextVar[PersonActs] = ContextVar("person_acts", default=NO_PERSON_ACTS)


class CommentColumnsMixin:
    """The display methods ``CommentAdmin.list_display`` and ``readonly_fields`` name."""

    @staticmethod
    def _reasons() -> list[str]:
        found = standard_reasons.get()
        if found is None:
            found = list(StandardReason.objects.values_list("text", flat=True))
            standard_reasons.set(found)
        return found

    # --- Changelist columns ---

    @admin.display(description="Comment")
    def comment_excerpt(self, comment: Comment) -> str:
        return Truncator(comment.body).chars(140)

    def _context(self, comment: Comment) -> str:
        """What the decision needs, folded in the row (``o`` opens it from the keyboard)."""
        author = comment.author
        lines = []
        if comment.status == Comment.Status.PENDING and comment.moderation_reason:
            lines.append(format_html("<dt>Held because</dt><dd>{}</dd>", comment.moderation_reason))
        if comment.parent_id:
            lines.append(
                format_html(
                    "<dt>Replying to</dt><dd>“{}”</dd>",
                    Truncator(comment.parent_excerpt or "").chars(120),
                )
            )
        if comment.reply_excerpts:
            lines.append(
                format_html(
                    "<dt>Replies so far ({})</dt>{}",
                    comment.reply_count,
                    format_html_join(
                        "",
                        "<dd>“{}”</dd>",
                        ((Truncator(t).chars(90),) for t in comment.reply_excerpts),
                    ),
                )
            )
        if comment.flag_notes:
            labels = dict(CommentFlag.Reason.choices)
            notes = (note.split(": ", 1) for note in comment.flag_notes)
            lines.append(
                format_html(
                    "<dt>Reporters' notes</dt>{}",
                    format_html_join(
                        "",
                        "<dd>{}: “{}”</dd>",
                        ((labels.get(reason, reason), text) for reason, text in notes),
                    ),
                )
            )
        joined = timezone.localtime(author.date_joined)
        lines.append(
            format_html(
                "<dt>Author</dt><dd>{} · joined {} ({} ago) · {} · {}</dd>",
                author.username,
                date_format(joined, "j M Y"),
                timesince(joined, depth=1),
                author_standing(author),
                author_record(
                    comment.author_comment_count,
                    comment.author_removed_count,
                    comment.author_flag_count,
                ),
            )
        )
        return format_html(
            '<details class="decision-context" id="context-{}"><summary>Context</summary>'
            "<dl>{}</dl></details>",
            comment.pk,
            mark_safe("".join(lines)),  # noqa: S308 - each line is format_html's
        )

    def decide(self, comment: Comment) -> str:
        """One click (or one key) per decision on the row, posting to ``decide_view``."""
        url = reverse("admin:comments_comment_decide", args=[comment.pk])
        acts = []
        if comment.status == Comment.Status.PENDING and comment.article.accepts_comments:
            acts.append(("approve", "Approve", "a"))
        if comment.status in (Comment.Status.PENDING, Comment.Status.PUBLISHED):
            acts.append(("remove", "Remove", "r"))
            acts.append(("spam", "Spam", "s"))
        if comment.status in (Comment.Status.REMOVED, Comment.Status.SPAM):
            acts.append(("restore", "Restore", "t"))
        if comment.flag_count and comment.status in (
            Comment.Status.PENDING,
            Comment.Status.PUBLISHED,
        ):
            acts.append(("dismiss", "Dismiss flags", "d"))
        if not acts:
            return ""
        buttons = format_html_join(
            "",
            '<button type="submit" class="decide decide--{0}" formaction="{1}" name="decide" '
            'value="{0}" data-key="{2}" aria-keyshortcuts="{2}">{3}</button>',
            ((act, url, key, label) for act, label, key in acts),
        )
        reasons = ""
        if any(act == "remove" for act, _, _ in acts):
            reasons = format_html(
                '<select name="reason-{0}" class="decide-reason" aria-label="Reason for removing">'
                '<option value="">Reason…</option>{1}'
                '<option value="{2}">In my own words…</option></select>',
                comment.pk,
                format_html_join(
                    "", '<option value="{0}">{0}</option>', ((r,) for r in self._reasons())
                ),
                OWN_WORDS,
            )
        return format_html(
            '<div class="decide-row" data-comment="{}">{}{}</div>', comment.pk, reasons, buttons
        )

    # When it was posted heads the context column (sorted by it): a column of
    # its own pushed the list to 849px where 631px fit beside the filters.
    @admin.display(description="Posted", ordering="created_at")
    def in_context(self, comment: Comment) -> str:
        when = timezone.localtime(comment.created_at)
        article = format_html(
            '<span class="posted" title="{}">{}</span><br>'
            'on <a href="{}" title="This article\'s comments">{}</a>',
            date_format(when, "DATETIME_FORMAT"),
            date_format(when, "j M Y" if when.year != timezone.now().year else "j M, H:i"),
            changelist_url(Comment, article__id__exact=comment.article_id),
            Truncator(comment.article.title).chars(45),
        )
        if comment.parent_id:
            parent = format_html(
                '<br>replying to <a href="{}" class="parent-excerpt">“{}”</a>',
                reverse("admin:comments_comment_change", args=[comment.parent_id]),
                Truncator(comment.parent_excerpt or "").chars(60),
            )
        else:
            parent = ""
        # The context folds out here, not under the text: that cell is the row's link.
        return format_html(
            '{}{}<br><a href="{}" class="permalink">View in thread ↗</a>{}',
            article,
            parent,
            comment.get_absolute_url(),
            self._context(comment),
        )

    @admin.display(description="Author", ordering="author__username")
    def author_cell(self, comment: Comment) -> str:
        author = comment.author
        standing = author_standing(author)
        return format_html(
            '<a href="{}" title="All comments by {}">{}</a>{}'
            '<br><span class="record">{}</span>{}{}',
            changelist_url(Comment, author__id__exact=author.pk),
            author.username,
            author.username,
            format_html(' <span class="standing">{}</span>', standing)
            if standing != "Active"
            else "",
            author_record(
                comment.author_comment_count,
                comment.author_removed_count,
                comment.author_flag_count,
            ),
            format_html(
                '<br><a href="{}" class="ip" title="Comments from this address">{}</a>',
                changelist_url(Comment, q=comment.ip_address),
                comment.ip_address,
            )
            if comment.ip_address
            else "",
            self._author_acts(author),
        )

    @staticmethod
    def _author_acts(author) -> str:
        """Suspend, ban, or ban and remove all: each one act, its reason asked on the next page."""
        shown = person_acts.get()
        if (
            not shown.acts
            or author.is_superuser
            or author.pk == shown.viewer_id
            or author.banned
            or (author.is_staff and not shown.viewer_is_superuser)
        ):
            return ""
        query = urlencode({"next": shown.back})
        return format_html(
            '<span class="person-acts">{}</span>',
            format_html_join(
                " · ",
                '<a href="{}?{}" class="person-act person-act--{}">{}</a>',
                (
                    (
                        reverse("admin:accounts_user_act", args=[author.pk, action]),
                        query,
                        action,
                        label,
                    )
                    for action, label in shown.acts
                ),
            ),
        )

    @admin.display(description="Status", ordering="status")
    def status_cell(self, comment: Comment) -> str:
        badges = []
        if comment.is_editors_pick:
            badges.append("Editor's pick")
        if comment.article.pinned_comment_id == comment.pk:
            badges.append("Pinned")
        # The row's decisions sit under its status: a column of their own made
        # the list wider than a 1280px screen beside the filters.
        return format_html(
            '<span class="status status-{}">{}</span>{}{}{}',
            comment.status,
            comment.get_status_display(),
            format_html('<br><span class="reason">{}</span>', comment.moderation_reason)
            if comment.moderation_reason
            else "",
            format_html_join("", '<br><span class="badge">{}</span>', ((b,) for b in badges)),
            self.decide(comment) if decisions_shown.get() else "",
        )

    @admin.display(description="Flags", ordering="flag_count")
    def flag_summary(self, comment: Comment) -> str:
        if not comment.flag_count:
            return "-"
        reasons = Counter(comment.flag_reasons)
        labels = dict(CommentFlag.Reason.choices)
        return format_html(
            '<strong>{}</strong><br><span class="reasons">{}</span>',
            comment.flag_count,
            ", ".join(
                labels.get(reason, reason) + (f" ({n})" if n > 1 else "")
                for reason, n in reasons.most_common()
            ),
        )

    # --- Change page fields ---

    @admin.display(description="Author")
    def author_with_record(self, comment: Comment) -> str:
        return format_html(
            '<a href="{}">{}</a> ({}) · {} · <a href="{}">all their comments</a>',
            reverse("admin:accounts_user_change", args=[comment.author_id]),
            comment.author.username,
            author_standing(comment.author),
            author_record(
                comment.author_comment_count,
                comment.author_removed_count,
                comment.author_flag_count,
            ),
            changelist_url(Comment, author__id__exact=comment.author_id),
        )

    @admin.display(description="Replying to")
    def parent_comment(self, comment: Comment) -> str:
        if not comment.parent_id:
            return "— (a top-level comment)"
        return format_html(
            '<a href="{}">“{}”</a>',
            reverse("admin:comments_comment_change", args=[comment.parent_id]),
            Truncator(comment.parent_excerpt or "").chars(120),
        )

    @admin.display(description="The thread around it")
    def thread_around(self, comment: Comment) -> str:
        """Its ancestors, root first, then it and its replies, every status, each linked here."""
        ancestors, replies = thread_around(comment)
        listed = format_html_join("", "<li>{}</li>", ((self._line(r),) for r in replies))
        if len(replies) == REPLIES_LISTED:
            listed += format_html(
                '<li class="more">The first {} replies; <a href="{}">the rest in the thread ↗</a>'
                "</li>",
                REPLIES_LISTED,
                comment.get_absolute_url(),
            )
        html = format_html(
            '<li class="is-this"><strong>This comment</strong>{}</li>',
            format_html("<ol>{}</ol>", listed) if replies else " · no replies yet",
        )
        for ancestor in reversed(ancestors):
            html = format_html("<li>{}<ol>{}</ol></li>", self._line(ancestor), html)
        return format_html('<ol class="thread-around">{}</ol>', html)

    @staticmethod
    def _line(comment: Comment) -> str:
        when = timezone.localtime(comment.created_at)
        return format_html(
            '<a href="{}">“{}”</a> <span class="by">{} · <span class="status status-{}">{}</span>'
            " · {}</span>",
            reverse("admin:comments_comment_change", args=[comment.pk]),
            Truncator(comment.body).chars(120),
            comment.author.username,
            comment.status,
            comment.get_status_display(),
            date_format(when, "j M, H:i"),
        )

    @admin.display(description="In the thread")
    def permalink(self, comment: Comment) -> str:
        url = comment.get_absolute_url()
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.display(description="As shown to readers")
    def rendered(self, comment: Comment) -> str:
        # body_html was sanitized when the comment was written; printing it is the point.
        return mark_safe(f'<div class="comment-rendered">{comment.body_html}</div>')  # noqa: S308

    @admin.display(description="Pinned", boolean=True)
    def pinned(self, comment: Comment) -> bool:
        return comment.article.pinned_comment_id == comment.pk
