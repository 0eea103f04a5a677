"""How fast import_wordpress writes a large export: comments per second, seconds, peak memory.

Generates a WordPress export (WXR 1.2) with ``--comments`` comments (default
100,000) spread over ``--posts`` posts (default 100), in a temporary folder.
Each post's discussion mixes wide threads (replies to a random earlier
comment, so early threads draw hundreds of replies) and one deep chain
(``--depth`` replies, each answering the one before). Bodies are a few
sentences of text with links, emphasis, line breaks and non-ASCII text;
commenters are a few thousand guests and the file's authors; about 5% of
comments are pending, 3% spam and 2% in the trash.

The import runs through ``call_command("import_wordpress", …)`` against a
throwaway database (created and migrated here, dropped at the end) on the
server ``DATABASE_URL`` names, or the embedded one when it is unset::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trekboard \\
        .venv/bin/python bench/import_bench.py --comments 100000

The figures (comments per second, seconds, peak RSS, the tree check's
violations) are one JSON line on stdout, as every bench script prints them;
the import's own summary and progress go to stderr. Exits 1 when the imported
trees fail ``check_comment_tree``.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

WORDS = (
    "captain warp engage nebula shuttle phaser tribble borg romulan klingon vulcan "
    "holodeck replicator transporter starbase sensor anomaly episode season finale "
    "canon timeline prime directive bridge crew ensign admiral logic emotion "
    "the a of and to in is that it was for on with as this but not they be at by"
).split()
NAMES = ("Jean", "Kathryn", "Benjamin", "James", "Nyota", "Hikaru", "Zoë", "Łukasz", "Ἀλέξης")
SURNAMES = ("Picard", "Janeway", "Sisko", "Kirk", "Uhura", "Sulu", "Müller", "Ødegaard", "Δημάκης")
EXTRAS = (
    ' See <a href="https://memory-alpha.fandom.com/wiki/Episode">the episode page</a>.',
    " That scene was <em>perfect</em>.",
    " 🖖 Live long and prosper.",
    "\n\nSecond paragraph: **bold claim**, then https://trek.example/a/link for more.",
    " Spoiler: ||the twist at the end||.",
    "",
    "",
    "",
)


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def body(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(1, 5)):
        words = rng.choices(WORDS, k=rng.randint(6, 18))
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences) + rng.choice(EXTRAS)


def wxr_date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def generate(path: Path, *, comments: int, posts: int, depth: int, seed: int = 47) -> dict:
    """Write the export; returns its shape (comments per status, deepest chain)."""
    rng = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets
    guests = [
        (f"{rng.choice(NAMES)} {rng.choice(SURNAMES)} {n}", f"guest{n}@example.org")
        for n in range(3000)
    ]
    authors = [("editor", "editor@trek.example"), ("picard", "picard@trek.example")]
    start = datetime(2015, 1, 1, tzinfo=UTC)
    shape = {"approved": 0, "pending": 0, "spam": 0, "trash": 0}
    comment_id = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8" ?>\n'
            '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
            "<title>Bench</title><link>https://bench.example</link>\n"
            "<wp:wxr_version>1.2</wp:wxr_version>\n"
            "<wp:base_site_url>https://bench.example</wp:base_site_url>\n"
            "<wp:base_blog_url>https://bench.example</wp:base_blog_url>\n"
        )
        for n, (login, email) in enumerate(authors, 1):
            out.write(
                f"<wp:author><wp:author_id>{n}</wp:author_id>"
                f"<wp:author_login>{cdata(login)}</wp:author_login>"
                f"<wp:author_email>{cdata(email)}</wp:author_email>"
                f"<wp:author_display_name>{cdata(login.title())}</wp:author_display_name>"
                "</wp:author>\n"
            )
        for post in range(1, posts + 1):
            share = comments // posts + (1 if post <= comments % posts else 0)
            published = start + timedelta(days=post)
            out.write(
                "<item>\n"
                f"<title>Review {post}: {escape(' '.join(rng.choices(WORDS, k=4)))}</title>\n"
                f"<link>https://bench.example/{published:%Y/%m}/episode-{post}/</link>\n"
                f"<dc:creator>{cdata(authors[post % 2][0])}</dc:creator>\n"
                f"<content:encoded>{cdata('<p>' + body(rng) + '</p>')}</content:encoded>\n"
                f"<wp:post_id>{post}</wp:post_id>\n"
                f"<wp:post_date_gmt>{wxr_date(published)}</wp:post_date_gmt>\n"
                "<wp:comment_status>open</wp:comment_status>\n"
                f"<wp:post_name>episode-review-{post}</wp:post_name>\n"
                "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>\n"
                '<category domain="category" nicename="reviews"><![CDATA[Reviews]]></category>\n'
            )
            ids: list[int] = []
            chain = min(depth, share // 2)
            moment = published
            for i in range(share):
                comment_id += 1
                moment += timedelta(seconds=rng.randint(5, 600))
                if i < chain:
                    parent = ids[-1] if ids else 0  # the deep chain first
                elif rng.random() < 0.15 or not ids:
                    parent = 0
                else:
                    parent = rng.choice(ids)  # early threads grow wide
                ids.append(comment_id)
                roll = rng.random()
                approved = (
                    "1"
                    if roll < 0.90
                    else "0"
                    if roll < 0.95
                    else "spam"
                    if roll < 0.98
                    else "trash"
                )
                shape[{"1": "approved", "0": "pending"}.get(approved, approved)] += 1
                if rng.random() < 0.05:
                    login, email = authors[rng.randrange(2)]
                    name, user_id = login.title(), authors.index((login, email)) + 1
                else:
                    (name, email), user_id = rng.choice(guests), 0
                out.write(
                    "<wp:comment>"
                    f"<wp:comment_id>{comment_id}</wp:comment_id>"
                    f"<wp:comment_author>{cdata(name)}</wp:comment_author>"
                    f"<wp:comment_author_email>{email}</wp:comment_author_email>"
                    "<wp:comment_author_url></wp:comment_author_url>"
                    f"<wp:comment_author_IP>192.0.2.{comment_id % 250 + 1}</wp:comment_author_IP>"
                    f"<wp:comment_date_gmt>{wxr_date(moment)}</wp:comment_date_gmt>"
                    f"<wp:comment_content>{cdata(body(rng))}</wp:comment_content>"
                    f"<wp:comment_approved>{approved}</wp:comment_approved>"
                    "<wp:comment_type>comment</wp:comment_type>"
                    f"<wp:comment_parent>{parent}</wp:comment_parent>"
                    f"<wp:comment_user_id>{user_id}</wp:comment_user_id>"
                    "</wp:comment>\n"
                )
            out.write("</item>\n")
        out.write("</channel>\n</rss>\n")
    return shape


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run(*, comments: int, posts: int, depth: int, seed: int = 47) -> dict:
    """Generate the export, import it into the current database, check it; print the line.

    Precondition: the database has no comments yet (the figures count them all).
    """
    from django.core.management import call_command

    from comments.importing.wxr import parse_wxr
    from comments.models import Comment
    from comments.tree.integrity import find_violations

    with tempfile.TemporaryDirectory(prefix="import-bench-") as folder:
        path = Path(folder) / "bench.xml"
        began = time.perf_counter()
        shape = generate(path, comments=comments, posts=posts, depth=depth, seed=seed)
        size = path.stat().st_size
        common.log(
            f"Generated {comments:,} comments on {posts} posts "
            f"({', '.join(f'{n:,} {k}' for k, n in shape.items())}; chains {depth} deep), "
            f"{size / 2**20:.1f} MiB, in {time.perf_counter() - began:.1f} s."
        )

        began = time.perf_counter()
        records = sum(1 for _ in parse_wxr(path))
        parse_seconds = time.perf_counter() - began
        common.log(f"Parse alone: {records:,} records in {parse_seconds:.1f} s.")
        rss_before = peak_rss_mib()

        began = time.perf_counter()
        call_command("import_wordpress", str(path), verbosity=1, stdout=sys.stderr)
        seconds = time.perf_counter() - began

    written = Comment.objects.count()
    began = time.perf_counter()
    violations = find_violations()
    check_seconds = time.perf_counter() - began
    trees = Comment.objects.values("tree_id").distinct().count()
    deepest = max(Comment.objects.values_list("level", flat=True), default=0)
    common.log(
        f"import_wordpress: {written:,} comments in {seconds:.1f} s = "
        f"{written / seconds:,.0f} comments/s; {trees:,} threads, deepest level {deepest}. "
        f"Full check_comment_tree afterwards: {len(violations)} violations "
        f"({check_seconds:.1f} s). Peak RSS: {peak_rss_mib():,.0f} MiB "
        f"(before the import: {rss_before:,.0f} MiB)."
    )
    return common.emit(
        {
            "bench": "import_wordpress",
            "comments": written,
            "posts": posts,
            "depth": depth,
            "file_mb": round(size / 2**20, 1),
            "parse_seconds": round(parse_seconds, 2),
            "seconds": round(seconds, 2),
            "comments_per_second": round(written / seconds),
            "threads": trees,
            "deepest_level": deepest,
            "check_seconds": round(check_seconds, 2),
            "violations": len(violations),
            "peak_rss_mb": round(peak_rss_mib()),
            "rss_before_import_mb": round(rss_before),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--depth", type=int, default=200, help="the deep chain in each post")
    parser.add_argument("--seed", type=int, default=47)
    args = parser.parse_args()

    common.configure()
    with common.throwaway_database("import"):
        common.environment("import_bench", comments=args.comments, posts=args.posts)
        line = run(comments=args.comments, posts=args.posts, depth=args.depth, seed=args.seed)
    if line["violations"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
