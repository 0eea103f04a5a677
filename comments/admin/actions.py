"""The moderators' acts on selected comments, and the change page's buttons for them.

Each act is an admin action gated on ``can_moderate`` (moderators never get
``change_comment``) that calls one ``comments.services`` function per
comment and says how many it applied to and why the rest were left alone.
The services check permission, lock and audit; nothing here writes.
"""

from __future__ import annotations

from collections import Counter

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import Truncator

from comments.forms import SpoilerMarkForm, optional_reason, required_reason
from comments.models import Comment
from comments.services import (
    MODERATION,
    comment_flags_dismiss,
    comment_moderate,
    comment_pick,
    comment_pin,
    comment_retro_spoiler,
    comment_spoiler_lift,
    comment_spoils_mark,
    is_spoilered,
)
from trekboard.admin_utils import ask_then_act, plural, redirect_to_next, report

Status = Comment.Status

# The change page's buttons: (action, label, statuses it applies to).
_BUTTONS = [
    ("approve_comments", "Approve", MODERATION["approve"][2]),
    ("remove_comments", "Remove…", MODERATION["remove"][2]),
    ("mark_spam", "Mark as spam", MODERATION["spam"][2]),
    ("restore_comments", "Restore", MODERATION["restore"][2]),
]


class CommentActionsMixin:
    """The actions ``CommentAdmin.actions`` names; needs ``has_moderate_permission``."""

    def _buttons(self, request, comment: Comment) -> list[tuple[str, str]]:
        """The acts that apply to this comment and that this moderator may take."""
        allowed = self.get_actions(request)
        buttons = [
            (name, label)
            for name, label, statuses in _BUTTONS
            if comment.status in statuses
            # Held on a closed discussion: approving it is refused (see comment_moderate).
            and not (name == "approve_comments" and not comment.article.accepts_comments)
        ]
        if comment.status == Status.PUBLISHED:
            if is_spoilered(comment) or comment.spoils_id:
                buttons.append(("lift_spoiler", "Take off the spoiler warning…"))
            else:
                buttons.append(("retro_spoiler", "Mark as a spoiler…"))
        if comment.flags.filter(dismissed_at=None).exists():
            buttons.append(("dismiss_flags", "Dismiss flags"))
        if comment.article.pinned_comment_id == comment.pk:
            buttons.append(("unpin_comments", "Unpin…"))
        elif comment.parent_id is None and comment.is_visible:
            buttons.append(("pin_comments", "Pin to the top…"))
        if comment.is_editors_pick:
            buttons.append(("unpick_comments", "Remove Editor's pick…"))
        elif comment.is_visible:
            buttons.append(("pick_comments", "Make Editor's pick…"))
        return [(name, label) for name, label in buttons if name in allowed]

    def _moderate(
        self,
        request,
        comments: list[Comment],
        act: str,
        *,
        done_text: str,
        skipped_text: str,
        reason: str = "",
    ) -> None:
        """One act on each comment, then one message: done, left alone, and each refusal."""
        done = skipped = 0
        refused: dict[str, list[int]] = {}
        for comment in comments:
            try:
                applied = comment_moderate(
                    comment=comment, actor=request.user, act=act, reason=reason
                )
            except ValidationError as error:
                refused.setdefault(" ".join(error.messages), []).append(comment.pk)
                continue
            if applied:
                done += 1
            else:
                skipped += 1
        for message, pks in refused.items():
            self.message_user(
                request,
                f"{plural(len(pks), 'comment')} left as they were "
                f"({', '.join(f'#{pk}' for pk in pks)}): {message}",
                messages.ERROR,
            )
        # When every one was refused, the refusal said so already.
        if done or skipped or not refused:
            self._tell(request, done, report(done, done_text, skipped, skipped_text))

    def _tell(self, request, done: int, message: str) -> None:
        # A warning when nothing was done: the moderator picked the wrong ones.
        self.message_user(request, message, messages.SUCCESS if done else messages.WARNING)

    def _finish(self, request, done: int, message: str):
        self._tell(request, done, message)
        return redirect_to_next(request)

    @admin.action(permissions=["moderate"], description="Approve selected comments")
    def approve_comments(self, request, queryset):
        self._moderate(
            request, _plain(queryset), "approve", done_text="approved", skipped_text="not pending"
        )
        return redirect_to_next(request)

    @admin.action(permissions=["moderate"], description="Remove selected comments…")
    def remove_comments(self, request, queryset):
        comments = _plain(queryset)

        def remove(data) -> None:
            self._moderate(
                request,
                comments,
                "remove",
                reason=data["reason"],
                done_text="removed",
                skipped_text="already removed or deleted by the author",
            )

        return ask_then_act(
            self,
            request,
            comments,
            form=required_reason(
                "The author is told it; readers see “[removed by a moderator]”.",
            ),
            act=remove,
            action="remove_comments",
            title="Remove comments",
            intro=f"Remove {plural(len(comments), 'comment')}? Readers will see "
            "“[removed by a moderator]” in its place; replies stay. "
            "You can restore it later.",
            items=[_describe(comment) for comment in comments],
            submit_label="Remove",
            template="remove_confirmation.html",
        )

    @admin.action(permissions=["moderate"], description="Mark selected comments as spam…")
    def mark_spam(self, request, queryset):
        comments = _plain(queryset)

        def spam(data) -> None:
            self._moderate(
                request,
                comments,
                "spam",
                reason=data["reason"],
                done_text="marked as spam",
                skipped_text="already spam or deleted by the author",
            )

        return self._confirm(
            request,
            comments,
            act=spam,
            action="mark_spam",
            title="Mark as spam",
            intro=f"Mark {plural(len(comments), 'comment')} as spam? Readers see "
            "“[removed by a moderator]”; the author is not told.",
            submit_label="Mark as spam",
            help_text="Kept in the audit log; spammers are never told.",
        )

    def _confirm(self, request, comments, *, help_text: str | None = None, **page):
        """An act that confirms and may say why (the reason is optional)."""
        return ask_then_act(
            self,
            request,
            comments,
            form=optional_reason(help_text) if help_text else optional_reason(),
            items=[_describe(comment) for comment in comments],
            template="moderation_confirmation.html",
            **page,
        )

    @admin.action(permissions=["moderate"], description="Restore selected comments")
    def restore_comments(self, request, queryset):
        self._moderate(
            request,
            _plain(queryset),
            "restore",
            done_text="restored",
            skipped_text="not removed or spam",
        )
        return redirect_to_next(request)

    @admin.action(
        permissions=["moderate"], description="Dismiss the flags on selected comments (keep them)"
    )
    def dismiss_flags(self, request, queryset):
        done = skipped = 0
        for comment in _plain(queryset):
            if comment_flags_dismiss(comment=comment, actor=request.user):
                done += 1
            else:
                skipped += 1
        return self._finish(
            request, done, report(done, "cleared of their flags", skipped, "not flagged")
        )

    @admin.action(
        permissions=["moderate"],
        description="Mark selected comments as spoilers of an episode (tells the author)…",
    )
    def retro_spoiler(self, request, queryset):
        comments = _plain(queryset)

        def hide(data) -> None:
            release = data.get("release")
            done = skipped = 0
            refused: list[str] = []
            for comment in comments:
                if comment.status != Status.PUBLISHED or (
                    comment.spoils_id == release.pk if release else is_spoilered(comment)
                ):
                    skipped += 1
                    continue
                try:
                    if release is not None:
                        comment_spoils_mark(
                            comment=comment,
                            actor=request.user,
                            release=release,
                            reason=data["reason"],
                        )
                    else:
                        comment_retro_spoiler(
                            comment=comment, actor=request.user, reason=data["reason"]
                        )
                except ValidationError as error:
                    refused.append(f"#{comment.pk}: {' '.join(error.messages)}")
                    continue
                done += 1
            done_text = (
                f"marked as spoiling {release.code}"
                if release
                else "hidden behind a spoiler warning"
            )
            already = "already marked so" if release else "already behind one"
            message = report(done, done_text, skipped, f"{already} or not shown to readers")
            if refused:
                message += " Not marked: " + "; ".join(refused) + "."
            self._tell(request, done, message + (" Their authors were told." if done else ""))

        return ask_then_act(
            self,
            request,
            comments,
            form=SpoilerMarkForm,
            items=[_describe(comment) for comment in comments],
            template="moderation_confirmation.html",
            act=hide,
            action="retro_spoiler",
            title="Mark as a spoiler",
            intro=f"Mark {plural(len(comments), 'comment')} as a spoiler? Choose the episode it "
            "spoils: readers who haven't watched it see a cover. Or choose none to hide the text "
            "behind a spoiler warning. The author is told; you can take it off again.",
            submit_label="Mark as a spoiler",
        )

    @admin.action(
        permissions=["moderate"],
        description="Take the spoiler warning off selected comments (tells the author)…",
    )
    def lift_spoiler(self, request, queryset):
        comments = _plain(queryset)

        def lift(data) -> None:
            done = skipped = 0
            for comment in comments:
                marked, wrapped = bool(comment.spoils_id), is_spoilered(comment)
                if comment.status != Status.PUBLISHED or not (marked or wrapped):
                    skipped += 1
                    continue
                if marked:
                    comment_spoils_mark(
                        comment=comment, actor=request.user, release=None, reason=data["reason"]
                    )
                if wrapped:
                    comment_spoiler_lift(comment=comment, actor=request.user, reason=data["reason"])
                done += 1
            message = report(done, "shown without a spoiler warning", skipped, "not behind one")
            self._tell(request, done, message + (" Their authors were told." if done else ""))

        return self._confirm(
            request,
            comments,
            act=lift,
            action="lift_spoiler",
            title="Take off the spoiler warning",
            intro=f"Show {plural(len(comments), 'comment')} without the spoiler mark or warning a "
            "moderator put on? The text comes back as its author wrote it; they are told.",
            submit_label="Take off the warning",
        )

    def _pin(self, request, queryset, pinned: bool):
        comments = _plain(queryset)
        verb = "Pin" if pinned else "Unpin"
        return self._confirm(
            request,
            comments,
            act=lambda data: self._pin_each(request, comments, pinned, reason=data["reason"]),
            action="pin_comments" if pinned else "unpin_comments",
            title=f"{verb} comments",
            intro=(
                f"Pin {plural(len(comments), 'comment')} to the top of its discussion? It "
                "replaces any comment pinned there; the author is told."
                if pinned
                else f"Unpin {plural(len(comments), 'comment')}? The author is told."
            ),
            submit_label=verb,
        )

    def _pin_each(self, request, comments: list[Comment], pinned: bool, *, reason: str) -> None:
        done = skipped = 0
        errors: dict[str, list[int]] = {}
        per_article = Counter(comment.article_id for comment in comments)
        for comment in comments:
            if pinned and per_article[comment.article_id] > 1:
                errors.setdefault("Only one comment per article can be pinned.", []).append(
                    comment.pk
                )
                continue
            if not pinned and comment.article.pinned_comment_id != comment.pk:
                skipped += 1
                continue
            try:
                comment_pin(comment=comment, actor=request.user, pinned=pinned, reason=reason)
            except ValidationError as error:
                errors.setdefault(" ".join(error.messages), []).append(comment.pk)
            else:
                done += 1
        for message, pks in errors.items():
            self.message_user(
                request,
                f"{plural(len(pks), 'comment')} not {'pinned' if pinned else 'unpinned'} "
                f"({', '.join(f'#{pk}' for pk in pks)}): {message}",
                messages.ERROR,
            )
        if pinned:
            text = report(done, "pinned to the top of their discussion")
        else:
            text = report(done, "unpinned", skipped, "not pinned")
        if done or skipped or not errors:
            self._tell(request, done, text)

    @admin.action(
        permissions=["moderate"], description="Pin selected comment to the top of its discussion…"
    )
    def pin_comments(self, request, queryset):
        return self._pin(request, queryset, pinned=True)

    @admin.action(permissions=["moderate"], description="Unpin selected comments…")
    def unpin_comments(self, request, queryset):
        return self._pin(request, queryset, pinned=False)

    def _pick(self, request, queryset, picked: bool):
        comments = _plain(queryset)

        def pick(data) -> None:
            done = skipped = 0
            for comment in comments:
                # Only what readers can see is worth a badge; taking one away always works.
                if comment.is_editors_pick == picked or (picked and not comment.is_visible):
                    skipped += 1
                    continue
                comment_pick(
                    comment=comment, actor=request.user, picked=picked, reason=data["reason"]
                )
                done += 1
            if picked:
                text = report(
                    done,
                    "given the Editor's pick badge",
                    skipped,
                    "already badged or not published",
                )
            else:
                text = report(done, "no longer badged as Editor's picks", skipped, "not badged")
            self._tell(request, done, text)

        return self._confirm(
            request,
            comments,
            act=pick,
            action="pick_comments" if picked else "unpick_comments",
            title="Editor's picks",
            intro=(
                f"Badge {plural(len(comments), 'comment')} as Editor's picks? Their authors "
                "are told."
                if picked
                else f"Take the Editor's pick badge off {plural(len(comments), 'comment')}? "
                "Their authors are told."
            ),
            submit_label="Make Editor's picks" if picked else "Remove the badge",
        )

    @admin.action(permissions=["moderate"], description="Make selected comments Editor's picks…")
    def pick_comments(self, request, queryset):
        return self._pick(request, queryset, picked=True)

    @admin.action(
        permissions=["moderate"], description="Remove selected comments from Editor's picks…"
    )
    def unpick_comments(self, request, queryset):
        return self._pick(request, queryset, picked=False)


def _plain(queryset: QuerySet) -> list[Comment]:
    """The selected comments without the listing's annotations, in lock order."""
    return list(
        Comment.objects.filter(pk__in=queryset.values("pk"))
        .select_related("article", "author")
        .order_by("tree_id", "lft")
    )


def _describe(comment: Comment) -> str:
    return (
        f"“{Truncator(comment.body).chars(100)}” by {comment.author.username} "
        f"on {Truncator(comment.article.title).chars(60)} ({comment.get_status_display()})"
    )
