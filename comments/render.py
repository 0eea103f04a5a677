"""Comment markup, written in Python: the one place a comment's HTML is made.

A thread of hundreds of comments rendered through nested ``{% include %}``
costs about a millisecond per comment in Django's template engine (every
include, ``{% url %}`` and date filter re-resolved per node). The same markup
built here with plain string joins costs a few microseconds, so a page's time
no longer grows with the template machinery. It draws ``comments.display.ShownComment``
objects (the row and what this reader may see and do) and runs no query.
Templates call it through the ``{% comment_threads %}`` family of tags in
``comments.templatetags.comment_markup``.

Everything from a person is escaped here (names, usernames); ``body_html`` is
the sanitized HTML stored when the comment was written, printed as it is.
Anonymous readers get no CSRF token anywhere in a thread (their "like" is a
link to log in), so a thread rendered for them can be cached and shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from html import escape
from urllib.parse import quote

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.timesince import timesince

from comments import covers
from comments.display import ShownComment
from comments.models import Comment

_SENTINEL = 987654321


def _pattern(name: str) -> str:
    """A URL pattern with "%d" where the comment's id goes (one reverse() per process)."""
    # "%" formatting, the quickest a page's few hundred links can be made.
    url = reverse(name, kwargs={"pk": _SENTINEL}).replace("%", "%%")
    return url.replace(str(_SENTINEL), "%d")


class _Urls:
    """``URLS.detail % pk``: the comment URL pattern of that name, reversed on first use."""

    def __getattr__(self, name: str) -> str:
        # Called only until the attribute exists: from then on a plain lookup.
        pattern = _pattern(f"comments:{name}")
        setattr(self, name, pattern)
        return pattern


URLS = _Urls()


@dataclass
class RenderContext:
    """What every comment of one response needs, worked out once."""

    article: object
    csrf_token: str | None  # None: an anonymous reader (no forms, cacheable)
    sort: str
    base_level: int = 0
    return_path: str = ""  # the page a "like" without JavaScript comes back to
    next_url: str = ""  # ... unless the request named one (a like toggled in place keeps it)
    accepts_comments: bool = True
    pinned_id: int | None = None
    login_url: str = ""
    now: datetime | None = None
    tz: object = None
    # Set when drawing the shared page signed-in readers' pages are made from
    # (comments.overlay.Marks): each part that depends on the reader becomes a
    # mark, and the row it depends on is kept with the marks.
    marks: object = None
    # What a page repeats for every comment, worked out once: a person's name and
    # header (one author writes many of a page's comments), a comment's times.
    people: dict = field(default_factory=dict)
    times: dict = field(default_factory=dict)
    escapes: dict = field(default_factory=dict)

    @classmethod
    def build(
        cls, *, article, request, sort: str, base_level: int = 0, next_url: str = ""
    ) -> RenderContext:
        user = getattr(request, "user", None)
        signed_in = bool(user and user.is_authenticated)
        token = None
        if signed_in:
            from django.middleware.csrf import get_token

            token = get_token(request)
        return cls(
            article=article,
            csrf_token=token,
            sort=str(sort),
            base_level=base_level or 0,
            return_path=request.get_full_path() if request else "",
            next_url=next_url,
            accepts_comments=article.accepts_comments,
            pinned_id=article.pinned_comment_id,
            login_url=resolve_url(settings.LOGIN_URL),
            now=timezone.now(),
            tz=timezone.get_current_timezone(),
        )

    def escaped(self, name: str) -> str:
        """One of this context's strings, HTML-escaped (once per response)."""
        found = self.escapes.get(name)
        if found is None:
            found = self.escapes[name] = escape(getattr(self, name))
        return found

    def person_of(self, comment) -> tuple[str, str]:
        """``person`` of a comment's author, known by id: no author lookup once seen on the page."""
        found = self.people.get(comment.author_id)
        return found if found is not None else self.person(comment.author)

    def person(self, author) -> tuple[str, str]:
        """(escaped display name, the header's avatar, name and badges) of a comment's author."""
        found = self.people.get(author.id)
        if found is None:
            # The article's own author answering in its discussion, as WordPress marks them.
            wrote_article = author.id == getattr(self.article, "author_id", None)
            found = self.people[author.id] = _person(author, wrote_article)
        return found

    def when(self, value: datetime) -> tuple[str, str, str]:
        """(ISO time, long date, "3 hours ago") of a moment, in the reader's time zone."""
        found = self.times.get(value)
        if found is None:
            written = _moment(value, self.tz)
            found = self.times[value] = (*written[:2], ago(value, self.now, written[2]))
        return found


# An author's header, by everything it is made of: the same few hundred people
# write most of a site's comments, on every page. Bounded; cleared when full.
_people: dict[tuple, tuple[str, str]] = {}
_PEOPLE_KEPT = 10_000


# A moment's ISO and long forms, by the moment and the time zone: a comment's
# time is drawn on every page that shows it. Bounded; cleared when full.
_moments: dict[tuple, tuple[str, str, datetime]] = {}
_MOMENTS_KEPT = 20_000


def _moment(value: datetime, tz) -> tuple[str, str, datetime]:
    """(ISO time, long date, local time) of ``value`` in ``tz`` (None: the current time zone)."""
    if tz is None:
        tz = timezone.get_current_timezone()
    key = (value, tz)
    found = _moments.get(key)
    if found is None:
        local = value.astimezone(tz)
        if len(_moments) >= _MOMENTS_KEPT:
            _moments.clear()
        found = _moments[key] = (local.isoformat(), _long_date(local), local)
    return found


def _person(author, wrote_article: bool) -> tuple[str, str]:
    """``RenderContext.person``, worked out once per process for each set of its values."""
    key = (
        author.id,
        author.username,
        author.first_name,
        author.last_name,
        author.is_guest,
        author.is_staff,
        wrote_article,
    )
    found = _people.get(key)
    if found is not None:
        return found
    name = escape(author.display_name)
    parts = [avatar(author)]
    if author.is_guest:
        parts.append(
            f'<span class="comment__author">{name}</span> <span class="badge '
            'badge--guest" title="Imported from the old comment system; not an '
            'account">Guest</span>'
        )
    else:
        parts.append(f'<a class="comment__author" href="{author_url(author)}">{name}</a>')
    if wrote_article:
        parts.append(
            '<span class="badge badge--author" title="Author of the article">Author'
            '<span class="visually-hidden"> of the article</span></span>'
        )
    if author.is_staff:
        parts.append('<span class="badge badge--staff" title="Trekboard staff">Staff</span>')
    if len(_people) >= _PEOPLE_KEPT:
        _people.clear()
    found = _people[key] = (name, "".join(parts))
    return found


def author_url(author) -> str:
    """The author's profile URL, escaped for an attribute."""
    # reverse() per author was the renderer's biggest cost: the pattern is
    # reversed once per process, and the name quoted as reverse() quotes it.
    name = quote(author.username, safe=RFC3986_SUBDELIMS + "/~:@")
    return escape(_profile_pattern().format(username=name))


@cache
def _login_like_pattern() -> str:
    """Where "log in to like" comes back to, quoted as a ``next`` value, "%d" twice for the id."""
    sentinel = str(_SENTINEL)
    quoted = quote(f"{URLS.detail % _SENTINEL}#comment-{sentinel}", safe="/")
    return quoted.replace("%", "%%").replace(sentinel, "%d")


@cache
def _profile_pattern() -> str:
    """The profile URL with "{username}" where the name goes (one reverse() per process)."""
    return reverse("accounts:profile", kwargs={"username": "username"}).replace(
        "/username/", "/{username}/"
    )


_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _long_date(local: datetime) -> str:
    # strftime's %A and %B, without their per-call locale lookups (English, as the site is).
    return (
        f"{_DAYS[local.weekday()]}, {_MONTHS[local.month - 1]} {local.day}, {local.year}, "
        f"{local.hour:02d}:{local.minute:02d} {local.tzname()}"
    )


# (seconds in the unit, singular, plural), largest first, as Django's timesince words them.
_UNITS = (
    (7 * 24 * 3600, "week", "weeks"),
    (24 * 3600, "day", "days"),
    (3600, "hour", "hours"),
    (60, "minute", "minutes"),
)


def ago(value: datetime | None, now: datetime | None = None, local: datetime | None = None) -> str:
    """One-unit relative time ("3 hours ago"); the title attribute holds the exact time.

    Under 60 days old it names the largest whole unit, as Django's timesince
    with depth=1 does (its calendar-exact month arithmetic only matters from 4
    weeks on, where "1 month" is said); older comments show their date.
    """
    if value is None:
        return ""
    now = now or timezone.now()
    seconds = (now - value).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds > 60 * 24 * 3600:
        local = local or timezone.localtime(value)
        return f"{_MONTHS[local.month - 1][:3]} {local.day}, {local.year}"
    if seconds >= 30 * 24 * 3600:
        return f"{timesince(value, now, depth=1)} ago"
    for size, singular, plural in _UNITS:
        if seconds >= size:
            count = int(seconds // size)
            return f"{count}\xa0{singular if count == 1 else plural} ago"
    return "just now"


def _plural(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


def avatar(person, size: str = "") -> str:
    size_class = f" avatar--{size}" if size else ""
    return (
        f'<span class="avatar avatar--h{person.avatar_hue}{size_class}" aria-hidden="true">'
        f"{escape(person.avatar_initials)}</span>"
    )


def spoils(node: ShownComment) -> str:
    """``data-spoils="<code>"``, which every part of a comment marked as a spoiler carries."""
    return f' data-spoils="{escape(node.airings.code)}"' if node.airings else ""


def _who(node: ShownComment, ctx: RenderContext, person: tuple[str, str] | None = None) -> str:
    """Whose comment this is, as a screen reader hears it in the comment's controls (escaped)."""
    comment = node.comment
    if node.shows_text:
        return f"comment by {(person or ctx.person_of(comment))[0]}"
    if comment.is_deleted:
        return "deleted comment"
    if comment.status in (Comment.Status.REMOVED, Comment.Status.SPAM):
        return "removed comment"
    return "unavailable comment"


def fold(node: ShownComment, ctx: RenderContext, person: tuple[str, str] | None = None) -> str:
    """The <summary> that folds a comment and its replies away: a control with no links inside.

    The header line with the author's and the permalink's links sits next to
    it, inside the <details>, because interactive content inside a <summary>
    is unreachable or misread by screen readers (axe: nested-interactive).
    Folded, the summary is the whole line: "+ Lily Tran · 3 replies hidden".
    ``person`` is ``ctx.person_of(node.comment)`` when the caller has it already.
    """
    comment = node.comment
    if node.shows_text:
        name = (person or ctx.person_of(comment))[0]
        label = f'<span class="visually-hidden">Comment by </span>{name}'
    else:
        label = _who(node, ctx).capitalize()
    below = comment.descendant_count
    note = f"{below} {_plural(below, 'reply', 'replies')} hidden" if below else "collapsed"
    return (
        f'<summary class="comment__fold-toggle" id="comment-fold-{comment.id}"{spoils(node)}>'
        '<span class="comment__fold-icon" aria-hidden="true"></span>'
        f'<span class="comment__fold-label">{label}</span>'
        f'<span class="comment__folded-note">{note}</span></summary>'
    )


def meta(
    node: ShownComment,
    ctx: RenderContext,
    *,
    oob: bool = False,
    person: tuple[str, str] | None = None,
    created: tuple[str, str, str] | None = None,
) -> str:
    """The header line: who, when, badges; "[deleted]" and the like when the text is hidden.

    ``person`` and ``created`` are the author's and the creation time's parts
    when the caller has them already (``ctx.person_of``, ``ctx.when``).
    """
    comment = node.comment
    pk = comment.id
    parts = [
        f'<header class="comment__meta" id="comment-meta-{pk}"{spoils(node)}',
        ' hx-swap-oob="true">' if oob else ">",
    ]
    if node.shows_text:
        parts.append((person or ctx.person_of(comment))[1])
        iso, long_date, since = created or ctx.when(comment.created_at)
        parts.append(
            f'<a class="comment__time" href="{URLS.detail % pk}">'
            f'<time datetime="{iso}" title="{long_date}">{since}</time></a>'
        )
        if comment.edited_at:
            iso, long_date, since = ctx.when(comment.edited_at)
            parts.append(
                f'<span class="comment__edited" title="Edited {long_date}">· edited '
                f'<time datetime="{iso}">{since}</time></span>'
            )
        if ctx.marks is not None:
            parts.append(ctx.marks.mark("new", pk))
        elif node.is_unseen:
            parts.append(NEW_BADGE)
        if pk == ctx.pinned_id:
            parts.append(
                '<span class="badge badge--pinned" title="Pinned by the moderators">Pinned</span>'
            )
        if comment.is_editors_pick:
            parts.append('<span class="badge badge--pick">Editor\'s pick</span>')
        if comment.is_pending:
            parts.append(
                '<span class="badge badge--pending" title="Only you can see it until a moderator '
                'approves it">Awaiting moderation</span>'
            )
    elif comment.is_deleted:
        parts.append('<span class="comment__placeholder">[deleted]</span>')
    elif comment.status in (Comment.Status.REMOVED, Comment.Status.SPAM):
        parts.append('<span class="comment__placeholder">[removed by a moderator]</span>')
    else:
        parts.append('<span class="comment__placeholder">[This comment is not available]</span>')
    parts.append("</header>")
    return "".join(parts)


NEW_BADGE = '<span class="badge badge--new">New</span>'
UNSEEN_CLASS = "comment--unseen"


def like(node: ShownComment, ctx: RenderContext, *, next_url: str = "") -> str:
    return like_control(
        node.comment.id,
        node.comment.like_count,
        ctx,
        own=node.is_own,
        liked=node.liked,
        next_url=next_url,
    )


def like_control(
    pk: int, count: int, ctx: RenderContext, *, own: bool, liked: bool, next_url: str = ""
) -> str:
    """The heart: a form for a signed-in reader, a link to log in, or the count on one's own."""
    if own or not ctx.accepts_comments:
        title = "Likes on your comment" if own else "Likes"
        return (
            f'<span class="like like--own" id="like-{pk}" title="{title}">♥ '
            f'<span class="like__count">{count}</span>'
            f'<span class="visually-hidden"> like{"" if count == 1 else "s"}</span></span>'
        )
    if ctx.csrf_token is None:
        back = _login_like_pattern() % (pk, pk)
        return (
            f'<a class="like like--anonymous" id="like-{pk}" href="{ctx.login_url}?next={back}" '
            f'title="Log in to like this comment">♥ <span class="like__count">{count}</span>'
            f'<span class="visually-hidden"> like{"" if count == 1 else "s"}</span></a>'
        )
    url = URLS.like % pk
    if next_url or ctx.next_url:
        next_value = escape(next_url or ctx.next_url)
    else:  # the page itself: escaped once per page, the comment's id is digits
        next_value = f"{ctx.escaped('return_path')}#comment-{pk}"
    return "".join(
        [
            f'<form class="like" id="like-{pk}" method="post" action="{url}" hx-post="{url}" '
            'hx-target="this" hx-swap="outerHTML">',
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{ctx.escaped("csrf_token")}">',
            f'<input type="hidden" name="next" value="{next_value}">',
            # The id lets htmx give the new button back the focus the old one had,
            # so a keyboard reader can like and take it back without losing their place.
            f'<button type="submit" id="like-button-{pk}" '
            f'class="like__button{" is-liked" if liked else ""}" '
            f'aria-pressed="{"true" if liked else "false"}" '
            f'title="{"Take back your like" if liked else "Like this comment"}">',
            f'<span aria-hidden="true">♥</span> <span class="like__count">{count}</span>'
            f'<span class="visually-hidden"> like{"" if count == 1 else "s"}</span></button>',
            '<span class="like__note">You liked this</span>' if liked else "",
            "</form>",
        ]
    )


def content(
    node: ShownComment,
    ctx: RenderContext,
    *,
    person: tuple[str, str] | None = None,
    created: tuple[str, str, str] | None = None,
) -> str:
    """The text, the actions row and the slot reply and flag forms open into.

    ``person`` and ``created`` as for ``meta``.
    """
    comment = node.comment
    pk = comment.id
    marked = spoils(node)
    actions = [ctx.marks.mark("like", pk) if ctx.marks is not None else like(node, ctx)]
    # Screen readers list links out of context: each action names its comment
    # ("Flag comment by Lily Tran"), the visible word first (WCAG 2.5.3).
    person = person or ctx.person_of(comment)
    who = _who(node, ctx, person)
    if comment.created_at:
        when = f"{who}, {(created or ctx.when(comment.created_at))[2]}"
    else:
        when = who
    if ctx.accepts_comments and comment.is_visible:
        reply = URLS.reply % pk
        name = person[0]
        actions.append(
            f'<a class="comment__action" href="{reply}" hx-get="{reply}" '
            f'hx-target="#reply-slot-{pk}" hx-swap="innerHTML" aria-label="Reply to {name}">'
            "Reply</a>"
        )
    actions.append(
        f'<a class="comment__action" href="{URLS.detail % pk}">'
        f'Link<span class="visually-hidden"> to {when}</span></a>'
    )
    if node.editable:
        edit = URLS.edit % pk
        actions.append(
            f'<a class="comment__action" href="{edit}" hx-get="{edit}" '
            f'hx-target="#comment-content-{pk}" hx-swap="outerHTML">'
            f'Edit<span class="visually-hidden"> {when}</span></a>'
        )
    if node.deletable:
        delete = URLS.delete % pk
        actions.append(
            f'<a class="comment__action" href="{delete}" hx-post="{delete}" '
            'hx-confirm="Delete your comment? Replies to it stay, under “[deleted]”." '
            f'hx-target="#comment-{pk}">Delete<span class="visually-hidden"> {when}</span></a>'
        )
    elif not node.is_own:
        flag = URLS.flag % pk
        actions.append(
            f'<a class="comment__action comment__action--quiet" href="{flag}" hx-get="{flag}" '
            f'hx-target="#reply-slot-{pk}" hx-swap="innerHTML">'
            f'Flag<span class="visually-hidden"> {who}</span></a>'
        )
    return (
        f'<div class="comment__content" id="comment-content-{pk}"{marked}>'
        f'<div class="comment__body"{marked}>{comment.body_html}</div>'
        f'<footer class="comment__actions"{marked}>{" ".join(actions)}</footer>'
        f'<div class="comment__reply-slot" id="reply-slot-{pk}"></div></div>'
    )


def more_replies(parent_pk: int, more: int, offset: int, ctx: RenderContext) -> str:
    detail = URLS.detail % parent_pk
    replies = URLS.replies % parent_pk
    return (
        f'<div class="more-replies" id="more-replies-{parent_pk}">'
        f'<a href="{detail}?sort={ctx.sort}&amp;offset={offset}#replies-{parent_pk}" '
        f'hx-get="{replies}?sort={ctx.sort}&amp;offset={offset}&amp;base={ctx.base_level}" '
        f'hx-target="#more-replies-{parent_pk}" hx-swap="outerHTML" hx-disabled-elt="this">'
        f"{more} more {_plural(more, 'reply', 'replies')}</a></div>"
    )


def comment(node: ShownComment, ctx: RenderContext, out: list[str] | None = None) -> list[str]:
    """One comment and, nested inside it, the replies linked under it (``node.replies``)."""
    out = [] if out is None else out
    row = node.comment
    pk = row.id
    shows_text = node.shows_text
    classes = ["comment"]
    if node.is_new:
        classes.append("comment--new")
    if ctx.marks is not None:
        classes[-1] += ctx.marks.mark("unseen", pk)
        ctx.marks.rows[pk] = row
    elif node.is_unseen:
        classes.append(UNSEEN_CLASS)
    if not shows_text:
        classes.append("comment--hidden")
    covered = node.covered
    if covered:
        classes.append("comment--spoiler")
    if row.is_pending:
        classes.append("comment--pending")
    if pk == ctx.pinned_id:
        classes.append("comment--pinned")
    if row.is_editors_pick:
        classes.append("comment--pick")
    marked = spoils(node)
    out.append(
        f'<article class="{" ".join(classes)}" id="comment-{pk}" data-depth="{row.level}"{marked}>'
        f'<details class="comment__fold"{marked} open>'
    )
    if covered:
        if ctx.marks is not None:
            ctx.marks.covered[node.airings.release_id] = node.airings
        out += (
            fold(node, ctx),
            meta(node, ctx),
            covers.cover(pk, node.airings, return_path=ctx.return_path),
        )
    elif shows_text:
        # Worked out once for the three parts that show them.
        person = ctx.person_of(row)
        created = ctx.when(row.created_at) if row.created_at else None
        out += (
            fold(node, ctx, person),
            meta(node, ctx, person=person, created=created),
            content(node, ctx, person=person, created=created),
        )
    else:
        out += (fold(node, ctx), meta(node, ctx))
    out.append(f'<div class="comment__replies" id="replies-{pk}">')
    folded = covered and row.descendant_count
    if folded:
        out.append(covers.folded_replies(row.descendant_count, node.airings.code))
    for child in node.replies:
        comment(child, ctx, out)
    if node.more_replies:
        out.append(more_replies(pk, node.more_replies, node.next_offset, ctx))
    if node.continue_thread:
        out.append(
            f'<a class="continue-thread" href="{URLS.detail % pk}">Continue this thread →</a>'
        )
    out.append("</details></div></details></article>" if folded else "</div></details></article>")
    return out


def threads(nodes: list[ShownComment], ctx: RenderContext) -> str:
    out: list[str] = []
    for node in nodes:
        comment(node, ctx, out)
    return "".join(out)
