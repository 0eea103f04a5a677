"""Export articles and their discussions, to move them to WordPress or anywhere else.

``--format wxr`` writes a WordPress eXtended RSS 1.2 file: WordPress's
importer reads it, and so does our ``import_wordpress``, which rebuilds the
same articles, comments, threads, authors and dates in an empty database.
``--format json`` writes every article's discussion as a tree of replies, for
scripts and archives. See ``comments.importing.export`` for what goes into
each and why.

The data comes from one read-only snapshot, and is streamed: memory holds a
chunk of articles and, for JSON, one article's discussion. With ``--output``
the file appears only once complete (written beside it, then renamed), with
owner-only permissions, since it holds commenters' email and IP addresses.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.models import Article
from comments.importing.export import (
    EXPORTERS,
    ExportCounts,
    articles_for_export,
    export_snapshot,
)


class Command(BaseCommand):
    help = "Export articles and their comments as WordPress WXR or a JSON tree (stdout by default)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--format", required=True, choices=sorted(EXPORTERS), help="wxr (WordPress) or json."
        )
        parser.add_argument("--article", metavar="SLUG", help="Export this one article only.")
        parser.add_argument(
            "--output", "-o", metavar="FILE", help="Write to FILE instead of standard output."
        )

    def handle(self, *args, **options) -> None:
        slug = options["article"]
        try:
            articles = articles_for_export(slug=slug)
        except Article.DoesNotExist:
            raise CommandError(
                f"No article has the slug {slug!r}. The slug is the last part of its address, "
                "as in /articles/<slug>/."
            ) from None
        exporter = EXPORTERS[options["format"]]
        counts = ExportCounts()
        output = options["output"]
        with export_snapshot():
            chunks = exporter(articles=articles, counts=counts)
            if output:
                self._write_file(Path(output), chunks)
            else:
                self._write_stdout(chunks)
        if output and options["verbosity"] >= 1:
            self.stderr.write(
                f"Exported {counts.articles} article(s) and {counts.comments} comment(s) "
                f"to {output}."
            )

    def _write_stdout(self, chunks: Iterable[str]) -> None:
        # UTF-8 whatever the locale says, as the XML declaration promises;
        # a text stream without bytes underneath (call_command's StringIO) takes text.
        binary = getattr(self.stdout, "buffer", None)
        if binary is None:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        self.stdout.flush()
        try:
            for chunk in chunks:
                binary.write(chunk.encode())
            binary.flush()
        except BrokenPipeError:
            # The reader left (``| head``). Point stdout at /dev/null so the
            # interpreter's final flush doesn't fail a second time.
            os.dup2(os.open(os.devnull, os.O_WRONLY), binary.fileno())
            raise CommandError(
                "Standard output was closed before the export was complete."
            ) from None

    def _write_file(self, path: Path, chunks: Iterable[str]) -> None:
        """Write beside ``path`` and rename into place, so a failed export leaves no half file."""
        if path.is_dir():
            raise CommandError(f"Can't write to {path}: it is a directory. Name a file.")
        directory = path.parent
        try:
            handle, partial = tempfile.mkstemp(
                dir=directory, prefix=f".{path.name}.", suffix=".partial"
            )
        except FileNotFoundError:
            raise CommandError(
                f"Can't write to {path}: the directory {directory} doesn't exist."
            ) from None
        except OSError as error:
            raise CommandError(f"Can't write to {path}: {error.strerror}.") from None
        try:
            with open(handle, "w", encoding="utf-8", newline="\n") as stream:
                for chunk in chunks:
                    stream.write(chunk)
            os.replace(partial, path)
        except BaseException as error:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            if isinstance(error, OSError):
                raise CommandError(f"Can't write to {path}: {error.strerror}.") from None
            raise
