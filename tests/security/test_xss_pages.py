"""Every public XSS payload, written the ways readers and imports write, then read in the pages.

``tests/comments/test_sanitize.py`` proves the sanitizer's output on its own.
This proves the pages: a payload posted as a comment, used as a display name
and a bio, imported from an old comment system, or wrapped in Trekboard's own
markup (spoilers, quotes, mentions, autolinks, where sanitizers are usually
bypassed) must leave no script-capable markup anywhere it is shown.

The data is written once per module, inside one transaction that is rolled
back at the end, and each page is parsed once; the tests, one per payload,
look up what the checker found in that payload's part of every page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from accounts.forms import ProfileForm
from comments.importing.records import ArticleRecord, CommentRecord
from comments.models import Comment, Notification
from comments.services import comment_create, discussions_import
from tests.factories import ArticleFactory, UserFactory
from tests.security import (
    XSS_VECTOR_COUNT,
    ScriptMarkupChecker,
    script_markup,
    xss_vectors,
)
from trekboard import jobs

# The module's data lives in the module fixture's own transaction; the mark
# makes pytest-django create the test database for it.
pytestmark = pytest.mark.django_db

BATCH = 100  # payloads per article page
CHAIN = 5  # replies deep: the permalink's context list
ADMIN_SAMPLE = 10  # every tenth payload's admin change page
PAGE_SETTINGS = {
    # One page per article holds its whole batch (and the chains' visible levels).
    "COMMENT_THREADS_PER_PAGE": BATCH,
    "COMMENT_PAGE_BUDGET": 4 * BATCH,
    "PAGE_CACHE_PREFIX": "xss-pages:",
    "PAGE_CACHE_BUMP_NOW": True,
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}


def in_trekboard_markup(payload: str) -> str:
    """The payload inside each kind of spoiler and a quote, glued to mentions and bare URLs.

    One comment per payload keeps the module fast; each use is its own
    paragraph or line, so one wrapping cannot close another. The longest
    payloads are cut so the comment stays under the length limit.
    """
    p = payload[:900]
    return (
        f"||{p}|| [spoiler]{p}[/spoiler]\n\n"
        f"> {p}\n> ||{p}||\n\n"
        f"@reader{p} @reader {p}\n\n"
        f'http://example.com/{p} https://example.com/"{p} www.example.com/?q={p}'
    )


def typed(payload: str) -> str:
    """The payload as a reader can submit it: forms and services refuse NUL characters.

    Dropping them (rather than skipping the payload) is the harder case:
    ``java\\x00script:`` becomes ``javascript:``.
    """
    return payload.replace("\x00", "")


class Pages:
    """What the checker found, per payload id and surface."""

    def __init__(self) -> None:
        self.findings: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.refused: dict[tuple[str, str], str] = {}
        self.seen: dict[str, set[str]] = defaultdict(set)  # surface -> payload ids on a page

    def parse(
        self,
        html: str,
        surface: str,
        owner_of_zone: dict[str, str],
        *,
        owner: str = "<site markup>",
    ) -> None:
        """Check one page; a finding goes to the payload whose zone it is in, else to ``owner``."""
        checker = ScriptMarkupChecker()
        checker.feed(html)
        checker.close()
        for finding in checker.findings:
            self.findings[(owner_of_zone.get(finding.zone, owner), surface)].append(str(finding))
        self.seen[surface].update(
            owner_of_zone[zone] for zone in checker.zones_seen if zone in owner_of_zone
        )
        if owner != "<site markup>":
            self.seen[surface].add(owner)


def _zones(comments: dict[int, str]) -> dict[str, str]:
    zones = {}
    for pk, vector_id in comments.items():
        zones[f"comment-{pk}"] = vector_id
        zones[f"context-{pk}"] = vector_id
    return zones


def _get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _batches(items: list) -> Iterator[list]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker) -> Pages:
    vectors = xss_vectors()
    result = Pages()
    # Module-scoped, so the suite's per-test JOBS_REDIS_URL="" doesn't reach it:
    # the mention jobs run here whatever REDIS_URL says, or nobody would be told.
    with (
        django_db_blocker.unblock(),
        override_settings(**PAGE_SETTINGS),
        jobs.in_process(),
        transaction.atomic(),
    ):
        _write_and_read(vectors, result)
        transaction.set_rollback(True)
    return result


def _write_and_read(vectors: list[dict[str, str]], result: Pages) -> None:
    reader = UserFactory(username="reader")
    moderator = UserFactory(is_staff=True, is_superuser=True)
    anonymous = Client()
    reader_client = Client()
    reader_client.force_login(reader)
    admin_client = Client()
    admin_client.force_login(moderator)

    # 1. As a comment, written by a reader whose name and bio are the same payload.
    by_comment: dict[int, str] = {}
    authors: dict[str, object] = {}
    for batch in _batches(vectors):
        article = ArticleFactory()
        for vector in batch:
            author = UserFactory()
            form = ProfileForm(
                data={
                    "first_name": typed(vector["payload"])[:150],
                    "last_name": typed(vector["payload"])[150:300],
                    "bio": typed(vector["payload"])[:2000],
                    "email": author.email,
                },
                instance=author,
            )
            if form.is_valid():
                form.save()
            else:
                result.refused[(vector["id"], "profile")] = form.errors.as_text()
            authors[vector["id"]] = author
            comment = comment_create(
                article=article, author=author, body=typed(vector["payload"]), screen=False
            )
            by_comment[comment.pk] = vector["id"]
        result.parse(_get(anonymous, article.get_absolute_url()), "article", _zones(by_comment))
        result.parse(_get(reader_client, article.get_absolute_url()), "article", _zones(by_comment))

    # 2. The profile: display name, bio and the comment again through the template's path.
    for vector in vectors:
        author = authors[vector["id"]]
        html = _get(anonymous, author.get_absolute_url())
        result.parse(html, "profile", {}, owner=vector["id"])

    # 3. Inside Trekboard's markup. The first few of each batch form a chain
    # of replies: the last one's permalink shows the others as its context.
    poster = UserFactory()
    by_combo: dict[int, str] = {}
    for batch in _batches(vectors):
        article = ArticleFactory()
        parent = None
        for position, vector in enumerate(batch):
            # The readers it names are told by a job after the commit: run it now.
            with TestCase.captureOnCommitCallbacks(execute=True):
                comment = comment_create(
                    article=article,
                    author=poster,
                    parent=parent if position < CHAIN else None,
                    body=in_trekboard_markup(typed(vector["payload"])),
                    screen=False,
                )
            by_combo[comment.pk] = vector["id"]
            if position < CHAIN:
                parent = comment
        zones = _zones(by_combo)
        result.parse(_get(anonymous, article.get_absolute_url()), "markup", zones)
        permalink = reverse("comments:detail", kwargs={"pk": parent.pk})
        result.parse(_get(reader_client, permalink), "markup", zones)

    # 4. The mentions reached the reader's inbox (excerpt and author name).
    by_notification = {
        f"notification-{pk}": by_combo[comment_id]
        for pk, comment_id in Notification.objects.filter(recipient=reader).values_list(
            "pk", "comment_id"
        )
    }
    inbox = reverse("comments:inbox")
    for page in range(1, len(by_notification) // 30 + 2):
        result.parse(_get(reader_client, f"{inbox}?page={page}"), "inbox", by_notification)

    # 5. Imported from an old system: a guest's name and the comment's HTML.
    records: list[object] = []
    for number, batch in enumerate(_batches(vectors)):
        article_key = f"wp:xss:{number}"
        records.append(ArticleRecord(source_key=article_key, title=f"Imported {number}"))
        records += [
            CommentRecord(
                source_key=f"{article_key}:{vector['id']}",
                article_key=article_key,
                parent_key=None,
                body=vector["payload"],
                created_at=datetime(2020, 1, 1, tzinfo=UTC),
                # Export parsers drop control characters before a record exists.
                author_name=typed(vector["payload"])[:300],
                author_email=f"{vector['id']}@example.org",
                author_url="javascript:alert(1)",
            )
            for vector in batch
        ]
    discussions_import(records=records)
    imported = Comment.objects.filter(source_key__startswith="wp:xss:")
    by_import = {pk: key.rsplit(":", 1)[1] for pk, key in imported.values_list("pk", "source_key")}
    for article_id in {*imported.values_list("article", flat=True)}:
        article = imported.filter(article_id=article_id).first().article
        result.parse(_get(anonymous, article.get_absolute_url()), "import", _zones(by_import))

    # 6. What moderators read: each article's comment list (excerpts, authors)
    # and, for a sample, a comment's change page (the rendered HTML).
    changelist = reverse("admin:comments_comment_changelist")
    for article_id in {
        *Comment.objects.filter(pk__in=[*by_comment, *by_import]).values_list("article", flat=True)
    }:
        response = admin_client.get(changelist, {"article__id__exact": article_id, "all": ""})
        assert response.status_code == 200
        assert response.context["cl"].result_count == len(response.context["cl"].result_list)
        result.parse(
            response.content.decode(),
            "admin",
            {},
            owner=f"<admin list of article {article_id}>",
        )
    for pk, vector_id in list(by_comment.items())[::ADMIN_SAMPLE]:
        html = _get(admin_client, reverse("admin:comments_comment_change", args=[pk]))
        result.parse(html, "admin", {}, owner=vector_id)


VECTOR_PARAMS = [pytest.param(vector, id=vector["id"]) for vector in xss_vectors()]
SURFACES = ("article", "profile", "markup", "import", "admin")


def test_every_payload_was_on_every_page(pages: Pages) -> None:
    assert len(xss_vectors()) == XSS_VECTOR_COUNT
    ids = {vector["id"] for vector in xss_vectors()}
    assert pages.refused == {}  # the profile form took every name and bio
    for surface in ("article", "profile", "markup", "import"):
        assert pages.seen[surface] == ids, surface
    # Only mentions followed by a payload that starts with a name character
    # miss the reader; the rest reach the inbox.
    assert len(pages.seen["inbox"]) > XSS_VECTOR_COUNT // 2


def test_site_markup_is_clean(pages: Pages) -> None:
    """Nothing outside every payload's part of a page, nor in the admin's lists."""
    vector_ids = {vector["id"] for vector in xss_vectors()}
    elsewhere = {key: found for key, found in pages.findings.items() if key[0] not in vector_ids}
    assert elsewhere == {}


@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_no_script_capable_markup(pages: Pages, vector: dict[str, str]) -> None:
    found = {
        surface: pages.findings[(vector["id"], surface)]
        for surface in (*SURFACES, "inbox")
        if (vector["id"], surface) in pages.findings
    }
    assert found == {}, vector["payload"]


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<script>alert(1)</script>", "inline script"),
        ('<script src="https://evil.example/x.js"></script>', "not one of the site"),
        ('<img src=x onerror="alert(1)">', "event handler"),
        ('<svg><a xlink:href="javascript:alert(1)">x</a></svg>', "script-capable URL"),
        ('<a href=" JaVa&#09;ScRiPt:alert(1)">x</a>', "script-capable URL"),
        ('<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>', "<iframe>"),
        ('<form><button formaction="javascript:alert(1)">x</button></form>', "script-capable"),
        ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', "http-equiv"),
        ('<base href="https://evil.example/">', "<base>"),
        ('<div hx-on:click="alert(1)">x</div>', "htmx inline handler"),
        ('<p style="background:url(javascript:alert(1))">x</p>', "style="),
        ('<object data="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"></object>', "object"),
    ],
)
def test_checker_finds_known_bad_markup(html: str, problem: str) -> None:
    findings = script_markup(f"<p>{html}</p>")
    assert any(problem in str(finding) for finding in findings), findings


def test_checker_passes_escaped_payloads_and_the_sites_own_scripts() -> None:
    html = (
        '<script src="/static/trekboard/site.js" defer></script>'
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;</p>"
        '<a href="https://example.com/javascript:alert(1)" rel="nofollow">x</a>'
    )
    assert script_markup(html) == []
