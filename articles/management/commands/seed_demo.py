"""Load the demo site: an invented franchise's news posts and their discussions.

A comment board is hard to judge empty. ``make run`` calls this on every start
so a fresh checkout opens on a site that looks lived in: six published
articles (one a trailer post with a photo gallery), a draft, two dozen readers
and about three hundred and fifty comments. The lead discussion shows every
reader feature: more threads than its first page ("Load more comments"), a
question with more answers than are shown at once ("N more replies"),
nesting deeper than the page indents ("Continue this thread"), spoilers,
@mentions, uneven likes (so Best, Top, Newest and Oldest all differ), an
edited comment and a "[deleted]" one still holding its replies. The staff
login ``editor`` finds unread notifications and "N new since your last visit";
the ``moderator`` login (the Moderators group) finds held comments, flags, a
banned spammer, a suspended reader, word lists and an audit log to read.

Everything is written through the same services the site uses
(``article_save``, ``comment_create``, ``comment_like_toggle``,
``comment_edit``, ``comment_delete``, ``comment_flag``), so the demo also
proves that those paths keep valid comment trees and counters (``manage.py
check_comment_tree``); the editor's last visit, in the past, goes through
``article_visit_set``. The content is fixed by seeded generators: every run
produces the same site.

Running it again does nothing once the lead article exists, and it refuses to
touch a production database unless told to with ``--force``.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser, Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.suspension import user_suspend
from articles.demo import images, moderation as demo_moderation, releases as demo_releases
from articles.demo.activity import Activity, Visit, plan_activity
from articles.demo.discussion import Corpus, PlannedComment, plan_discussion
from articles.demo.people import DEMO_PASSWORD, EDITOR, EDITOR_EMAIL, READERS
from articles.demo.stories import LEAD_SLUG, STORIES, StorySpec
from articles.models import Article, GalleryImage, Release, ReleaseAiring, Tag
from articles.renditions import make_article_renditions
from articles.services import article_save, release_changed
from comments.models import AuditEntry, Comment, Notification, WordRule
from comments.services import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_flag,
    comment_like_toggle,
    comment_moderate,
    comment_pick,
    comment_pin,
    notifications_mark_read,
    user_remove_all_comments,
    word_rule_save,
)
from comments.services.visits import article_visit_set
from trekboard import jobs

SEED = 1987
# Keeps planned comments safely in the past even on a slow machine.
LATEST_COMMENT_AGE = timedelta(minutes=2)


def _image_rng(name: str) -> random.Random:
    # One generator per image, so editing one scene never changes the others.
    return random.Random(f"{SEED}:{name}")


def _create_users(*, now: datetime) -> tuple[dict[str, AbstractUser], int]:
    """The editor and the readers, by username, and how many were new.

    Accounts that already exist are used as they are: someone may have changed
    a demo password, and reseeding must not silently reset it.
    """
    user_model = get_user_model()
    # PBKDF2 is deliberately slow; hashing once instead of 25 times keeps the
    # command quick. A shared salt is acceptable for public demo credentials.
    password = make_password(DEMO_PASSWORD)
    users: dict[str, AbstractUser] = {}
    created = 0
    for person in (EDITOR, *READERS):
        is_editor = person is EDITOR
        user, was_created = user_model.objects.get_or_create(
            username=person.username,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": EDITOR_EMAIL if is_editor else f"{person.username}@example.com",
                "bio": person.bio,
                "password": password,
                "is_staff": is_editor,
                "is_superuser": is_editor,
                "date_joined": now - timedelta(days=person.joined_days_ago),
            },
        )
        users[person.username] = user
        created += was_created
    return users, created


def _tags(names: tuple[str, ...]) -> list[Tag]:
    return [
        Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0] for name in names
    ]


def _create_article(*, story: StorySpec, author: AbstractUser, now: datetime) -> Article:
    """Save one article through the service, with its drawn hero image and gallery.

    Comments are always open here: ``comment_create`` refuses closed articles,
    so articles meant to be closed are closed after their comments are in.
    """
    published = story.age is not None
    article = Article(
        title=story.title,
        slug=story.slug,
        standfirst=story.standfirst,
        body=story.body.strip(),
        hero_caption=story.hero_caption,
        video_url=story.video_url,
        author=author,
        status=Article.Status.PUBLISHED if published else Article.Status.DRAFT,
        published_at=now - story.age if published else None,
        comments_open=True,
    )
    hero = images.render_jpeg(story.hero_scene, rng=_image_rng(story.slug), size=images.HERO_SIZE)
    article.hero_image.save(f"{story.slug}.jpg", ContentFile(hero), save=False)
    article_save(article=article)
    article.tags.set(_tags(story.tags))
    for position, spec in enumerate(story.gallery, start=1):
        name = f"{story.slug}-{position}"
        photo = GalleryImage(
            article=article, caption=spec.caption, alt_text=spec.alt_text, position=position
        )
        data = images.render_jpeg(spec.scene, rng=_image_rng(name), size=images.GALLERY_SIZE)
        photo.image.save(f"{name}.jpg", ContentFile(data), save=False)
        photo.full_clean()
        photo.save()
    # The hero's renditions came with article_save; the gallery was saved after it.
    make_article_renditions(article=article)
    return article


def _write_comments(
    *, plan: list[PlannedComment], articles: dict[str, Article], users: dict[str, AbstractUser]
) -> dict[PlannedComment, Comment]:
    saved: dict[PlannedComment, Comment] = {}
    for planned in plan:
        saved[planned] = comment_create(
            article=articles[planned.article_slug],
            author=users[planned.author],
            body=planned.body,
            parent=saved[planned.parent] if planned.parent is not None else None,
            created_at=planned.at,
        )
    return saved


def _carry_out(
    *, activity: Activity, saved: dict[PlannedComment, Comment], users: dict[str, AbstractUser]
) -> None:
    """Likes, edits, flags, then deletions: a deleted comment takes no likes, flags or edits.

    Edits must run right after the comments are written: the service allows
    them only for a few minutes after posting, and the edited comment was
    planned to be posted just before now.
    """
    for planned, username in activity.likes:
        comment_like_toggle(comment=saved[planned], user=users[username])
    for planned, body in activity.edits:
        saved[planned] = comment_edit(comment=saved[planned], user=users[planned.author], body=body)
    for flag in activity.flags:
        comment_flag(
            comment=saved[flag.comment],
            user=users[flag.username],
            reason=flag.reason,
            text=flag.text,
        )
    for planned in activity.deletions:
        comment_delete(comment=saved[planned], user=users[planned.author])


def _record_visit(
    *, visit: Visit, article: Article, user: AbstractUser, comment_ids: list[int]
) -> None:
    """Set a reader's last visit in the past, and mark read what they saw then."""
    article_visit_set(
        user=user,
        article=article,
        last_seen_at=visit.last_seen_at,
        previous_seen_at=visit.previous_seen_at,
    )
    seen = Notification.objects.filter(
        recipient=user, comment_id__in=comment_ids, created_at__lte=visit.last_seen_at
    ).values_list("pk", flat=True)
    notifications_mark_read(user=user, notification_ids=list(seen))


def _releases(
    *, articles: dict[str, Article], users: dict[str, AbstractUser], now: datetime
) -> int:
    """The show's episodes, the articles about them, and comments marked as spoiling one."""
    show = _tags((demo_releases.SHOW,))[0]
    releases = {}
    for spec in demo_releases.RELEASES:
        release = Release.objects.create(
            show=show,
            code=spec.code,
            title=spec.title,
            season=spec.season,
            episode=spec.episode,
            released_at=now - spec.ago,
        )
        if spec.uk_later is not None:
            ReleaseAiring.objects.create(
                release=release, region="UK", airs_at=release.released_at + spec.uk_later
            )
        releases[spec.code] = release
    for slug, code in demo_releases.ABOUT.items():
        if slug in articles:
            Article.objects.filter(pk=articles[slug].pk).update(release=releases[code])
    written = 0
    for marked in demo_releases.SPOILERS:
        if marked.article_slug not in articles:
            continue
        article = articles[marked.article_slug]
        at = now - marked.ago
        parent = comment_create(
            article=article,
            author=users[marked.author],
            body=marked.body,
            created_at=at,
            spoils=releases[marked.spoils] if marked.spoils else None,
        )
        for step, (author, body, keeps) in enumerate(marked.replies, start=1):
            comment_create(
                article=article,
                author=users[author],
                body=body,
                parent=parent,
                created_at=at + timedelta(minutes=40 * step),
                **({} if keeps else {"spoils": None}),
            )
        written += 1 + len(marked.replies)
    release_changed()
    return written


def _moderate(
    *, lead: Article, users: dict[str, AbstractUser], password: str, now: datetime
) -> AbstractUser:
    """A moderator's day on the lead article, through the moderation services."""
    moderator, _ = get_user_model().objects.get_or_create(
        username=demo_moderation.MODERATOR_USERNAME,
        defaults={
            "first_name": demo_moderation.MODERATOR_NAME[0],
            "last_name": demo_moderation.MODERATOR_NAME[1],
            "email": f"{demo_moderation.MODERATOR_USERNAME}@example.com",
            "password": password,
            "is_staff": True,
            "date_joined": now - timedelta(days=1200),
        },
    )
    moderator.groups.add(Group.objects.get(name="Moderators"))
    for phrase, action, note in demo_moderation.WORD_RULES:
        if not WordRule.objects.filter(phrase=phrase).exists():
            word_rule_save(rule=WordRule(phrase=phrase, action=action, note=note), actor=moderator)

    welcome = comment_create(
        article=lead,
        author=users[EDITOR.username],
        body=demo_moderation.PINNED_WELCOME,
        created_at=lead.published_at + timedelta(minutes=1),
    )
    comment_pin(comment=welcome, actor=moderator)
    best = (
        Comment.objects.for_article(lead)
        .published()
        .filter(parent=None)
        .exclude(pk=welcome.pk)
        .order_by("-like_count", "pk")
        .first()
    )
    comment_pick(comment=best, actor=moderator)
    attack = (
        Comment.objects.for_article(lead)
        .published()
        .filter(level=1, reply_count__gte=1)
        .exclude(author__username=EDITOR.username)
        .order_by("like_count", "pk")
        .first()
    )
    comment_moderate(
        comment=attack, actor=moderator, act="remove", reason=demo_moderation.REMOVAL_REASON
    )

    spammer_name, spam_text = demo_moderation.SPAMMER
    spammer, _ = get_user_model().objects.get_or_create(
        username=spammer_name,
        defaults={"email": f"{spammer_name}@example.com", "password": password},
    )
    comment_create(
        article=lead,
        author=spammer,
        body=spam_text,
        created_at=now - demo_moderation.WORK_DONE_AGO - timedelta(minutes=3),
    )
    user_remove_all_comments(user=spammer, actor=moderator, reason="Spam account.")
    for comment in Comment.objects.filter(author=spammer):
        comment_moderate(comment=comment, actor=moderator, act="spam")
    user_suspend(user=spammer, actor=moderator, until=None, reason="Spam account.")

    name, length, reason = demo_moderation.SUSPENDED
    user_suspend(user=users[name], actor=moderator, until=now + length, reason=reason)

    # The day's work was done earlier in the day, as the comments it judged were
    # posted: left at seeding time, the console offered it to the demo moderator
    # as their own last ten minutes' decisions, to undo.
    AuditEntry.objects.filter(actor=moderator).update(
        created_at=F("created_at") - demo_moderation.WORK_DONE_AGO
    )
    for username, body in demo_moderation.HELD:
        comment_create(
            article=lead, author=users[username], body=body, created_at=now - timedelta(minutes=1)
        )
    return moderator


def _plan_comments(*, stories: list[StorySpec], now: datetime) -> list[PlannedComment]:
    """Every article's discussion, merged oldest first.

    Writing in global time order gives top-level comments tree ids in the order
    they were "posted", across articles as on a live site.
    """
    rng = random.Random(SEED)
    corpus = Corpus(rng)
    plan: list[PlannedComment] = []
    for story in stories:
        if story.age is None:
            continue
        plan += plan_discussion(
            rng=rng,
            corpus=corpus,
            story=story,
            published_at=now - story.age,
            until=now - LATEST_COMMENT_AGE,
            readers=READERS,
        )
    return sorted(plan, key=lambda comment: comment.at)


def _plan_activity(plan: list[PlannedComment]) -> Activity:
    return plan_activity(
        rng=random.Random(f"{SEED}:activity"),
        plan=plan,
        people=(EDITOR, *READERS),
        visit_article=LEAD_SLUG,
        visitor=EDITOR.username,
    )


class Command(BaseCommand):
    help = (
        "Load demo articles, readers and discussions about an invented sci-fi franchise. "
        "Does nothing if the demo is already there; refuses to run in production without --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo even though settings.PRODUCTION is True.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would be created without writing anything.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        if settings.PRODUCTION and not options["force"]:
            raise CommandError(
                "Refusing to load demo content: settings.PRODUCTION is True "
                "(TREKBOARD_ENV=production). It would add demo accounts with a public password. "
                "Pass --force if you really want it on this database."
            )
        if Article.objects.filter(slug=LEAD_SLUG).exists():
            if verbosity >= 1:
                self.stdout.write("Demo content already present; nothing to do.")
                self._login_hint()
            return

        now = timezone.now()
        existing = set(
            Article.objects.filter(slug__in=[s.slug for s in STORIES]).values_list(
                "slug", flat=True
            )
        )
        # Someone removed the lead article but kept others: add only what is missing.
        stories = [story for story in STORIES if story.slug not in existing]
        plan = _plan_comments(stories=stories, now=now)
        activity = _plan_activity(plan)

        if options["dry_run"]:
            if verbosity >= 1:
                self._summary(stories, plan, activity, users=1 + len(READERS), prefix="Would load")
            return

        # Its jobs (telling the readers its comments name) run here after the
        # commit even with a queue: the visit below marks read what they "saw".
        with jobs.in_process(), transaction.atomic():
            users, created_users = _create_users(now=now)
            articles = {
                story.slug: _create_article(story=story, author=users[EDITOR.username], now=now)
                for story in stories
            }
            if verbosity >= 2:
                for story in stories:
                    self.stdout.write(f"  article: {story.slug}")
            saved = _write_comments(plan=plan, articles=articles, users=users)
            _carry_out(activity=activity, saved=saved, users=users)
            if not Release.objects.exists():
                _releases(articles=articles, users=users, now=now)
            if LEAD_SLUG in articles:
                _moderate(
                    lead=articles[LEAD_SLUG],
                    users=users,
                    password=users[EDITOR.username].password,
                    now=now,
                )
            for story in stories:
                if not story.comments_open:
                    article = articles[story.slug]
                    article.comments_open = False
                    article_save(article=article)
        # After the commit, once the readers named in comments have been told.
        if activity.visit is not None:
            _record_visit(
                visit=activity.visit,
                article=articles[activity.visit.article_slug],
                user=users[activity.visit.username],
                comment_ids=[comment.pk for comment in saved.values()],
            )

        if verbosity >= 1:
            self._summary(stories, plan, activity, users=created_users, prefix="Loaded")
            self._login_hint()

    def _summary(
        self,
        stories: list[StorySpec],
        plan: list[PlannedComment],
        activity: Activity,
        *,
        users: int,
        prefix: str,
    ) -> None:
        published = sum(1 for story in stories if story.age is not None)
        drafts = len(stories) - published
        per_article = Counter(comment.article_slug for comment in plan)
        slugs = {story.slug for story in stories}
        per_article.update(
            {slug: n for slug, n in demo_releases.comments_per_article().items() if slug in slugs}
        )
        lead = per_article.get(LEAD_SLUG, 0)
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix} demo content: {published} published articles, {drafts} draft, "
                f"{users} users, {per_article.total()} comments ({lead} on the lead article), "
                f"{len(demo_releases.RELEASES)} episodes of {demo_releases.SHOW}, "
                f"{len(activity.likes)} likes, {len(activity.edits)} edited, "
                f"{len(activity.deletions)} deleted by their authors, {len(activity.flags)} flags."
            )
        )

    def _login_hint(self) -> None:
        # `make run` passes PORT through to this process; 8000 is runserver's default.
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            f"Demo staff login: {EDITOR.username} / {DEMO_PASSWORD}  "
            f"(http://127.0.0.1:{port}/admin/); moderator: "
            f"{demo_moderation.MODERATOR_USERNAME} / {DEMO_PASSWORD}"
        )
