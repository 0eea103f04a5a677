"""Disqus exports as import records.

A Disqus export is ``<disqus>`` holding ``<category>``, ``<thread>`` and
``<post>`` elements that point at each other with ``dsq:id`` attributes.

* A thread → :class:`ArticleRecord` keyed ``disqus:thread:<dsq:id>``, with its
  ``<link>`` and ``<id>`` (the page identifier the site gave Disqus) for the
  loader to match existing articles. Its title falls back to the link, the
  identifier, then "Disqus thread <id>", since Disqus often leaves it empty.
  Disqus makes a thread for every page its embed ever loaded, so many threads
  have no posts; the loader decides whether those become articles.
* A deleted thread → :class:`Skipped`, and its posts are skipped with it.
* A post → :class:`CommentRecord` keyed ``disqus:post:<dsq:id>``, with the
  parent post's key if it replies to one. Spam → ``"spam"``; deleted →
  ``"deleted"`` (kept, so its replies keep their place in the tree; its
  message is usually empty). A post that has no ``dsq:id`` but an ``<id>`` is
  keyed ``disqus:post-id:<id>`` (nothing can reply to it, but it is kept, as
  Remark42 does); with neither, it's skipped. A post whose ``isSpam`` or
  ``isDeleted`` is neither true nor false is skipped as unreadable: importing
  it could publish spam. An unreadable date becomes ``None``.
* Commenters are always guests (``author_login`` stays empty): a Disqus
  username is not an account on this site, and matching it to one would let
  any Disqus user speak as a local user of the same name.

Records come in document order. Real exports list every thread before any
post; a post whose thread hasn't appeared yet is held back (only such posts
are kept in memory) and comes out at the end of the file, after its thread, or
as ``Skipped`` if the thread never appears. So memory stays flat except for
the set of thread ids seen. Because parsing streams, an
:class:`ImportFileError` can come after records were already yielded; the
loader writes everything in one transaction and rolls it back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from .records import ArticleRecord, CommentRecord, ImportFileError, Skipped
from .xmlsafe import Progress, Source, XmlStream, split_tag, text_of

DisqusRecord = ArticleRecord | CommentRecord | Skipped

_DSQ_NAMESPACE = "http://disqus.com/disqus-internals"
_TRUE = {"true", "1"}
_FALSE = {"false", "0", ""}


def parse_disqus(
    source: Source, *, lenient: bool = False, progress: Progress | None = None
) -> Iterator[DisqusRecord]:
    """Stream a Disqus export as records (see the module docstring for the mapping).

    ``source`` is a path or a file opened in binary mode. ``progress`` is
    called with bytes read since its last call (``tqdm.update`` fits).

    Strict by default: a file that isn't well-formed XML raises
    :class:`ImportFileError` naming the line and column and suggesting
    ``--lenient``. ``lenient=True`` repairs what known exporters get wrong
    (text before the XML declaration, control characters, attribute values
    without quotes; see ``xmlsafe``) and reports each repair as a ``Skipped``;
    posts that are still unreadable after that are skipped one by one.
    """
    stream = XmlStream(source, lenient=lenient, progress=progress)
    yield from _DisqusReader(stream).records()
    yield from stream.repairs


class _DisqusReader:
    def __init__(self, stream: XmlStream):
        self._stream = stream
        self._dsq = {_DSQ_NAMESPACE}
        self._threads: set[str] = set()
        self._deleted_threads: set[str] = set()
        self._waiting: list[tuple[str, CommentRecord]] = []  # (thread id, post)
        self._posts = 0

    def records(self) -> Iterator[DisqusRecord]:
        stack: list[Element] = []
        for event, value in self._stream:
            if event == "start-ns":
                if value[0] == "dsq":
                    self._dsq.add(value[1])
                continue
            if event == "start":
                stack.append(value)
                if len(stack) == 1:
                    _check_root(value)
                continue
            elem = stack.pop()
            if len(stack) == 1:
                name = split_tag(elem.tag)[1]
                if name == "thread":
                    yield from self._thread(elem)
                elif name == "post":
                    yield from self._post(elem)
                stack[0].remove(elem)
        for thread_id, post in self._waiting:
            if thread_id in self._threads:
                yield post
            else:
                yield self._orphan(thread_id, post.source_key)

    def _dsq_id(self, elem: Element | None) -> str:
        if elem is None:
            return ""
        for uri in self._dsq:
            value = elem.get(f"{{{uri}}}id")
            if value is not None:
                return value.strip()
        return ""

    def _thread(self, elem: Element) -> Iterator[DisqusRecord]:
        fields = _fields(elem)
        thread_id = self._dsq_id(elem)
        if not thread_id:
            yield Skipped(
                kind="article",
                source_id=fields.get("link") or fields.get("id") or "a thread",
                reason="thread without a dsq:id",
            )
            return
        key = f"disqus:thread:{thread_id}"
        deleted = _flag(fields.get("isDeleted", ""))
        if deleted is None:
            self._deleted_threads.add(thread_id)
            yield Skipped(kind="article", source_id=key, reason="unreadable thread (isDeleted)")
            return
        if deleted:
            self._deleted_threads.add(thread_id)
            yield Skipped(kind="article", source_id=key, reason="deleted on Disqus")
            return
        self._threads.add(thread_id)
        link = fields.get("link", "")
        identifier = fields.get("id", "")
        yield ArticleRecord(
            source_key=key,
            title=fields.get("title") or link or identifier or f"Disqus thread {thread_id}",
            body=fields.get("message", ""),
            link=link,
            identifier=identifier,
            published_at=_date(fields.get("createdAt", "")),
            comments_open=_flag(fields.get("isClosed", "")) is False,
        )

    def _post(self, elem: Element) -> Iterator[DisqusRecord]:
        self._posts += 1
        fields = _fields(elem)
        post_id = self._dsq_id(elem)
        if post_id:
            key = f"disqus:post:{post_id}"
        elif fields.get("id"):
            key = f"disqus:post-id:{fields['id']}"
        else:
            yield Skipped(
                kind="comment",
                source_id=f"post {self._posts} in the file",
                reason="post without a dsq:id or id",
            )
            return

        thread_id = self._dsq_id(_child(elem, "thread"))
        if not thread_id:
            yield Skipped(kind="comment", source_id=key, reason="post without a thread")
            return
        if thread_id in self._deleted_threads:
            yield Skipped(kind="comment", source_id=key, reason="its thread was skipped")
            return
        unreadable = [
            name for name in ("isSpam", "isDeleted") if _flag(fields.get(name, "")) is None
        ]
        if unreadable:
            yield Skipped(
                kind="comment",
                source_id=key,
                reason=f"unreadable post ({' and '.join(unreadable)} neither true nor false)",
            )
            return

        author = _child(elem, "author")
        author_fields = _fields(author) if author is not None else {}
        parent_id = self._dsq_id(_child(elem, "parent"))
        if _flag(fields.get("isSpam", "")):
            status = "spam"
        elif _flag(fields.get("isDeleted", "")):
            status = "deleted"
        else:
            status = "published"
        post = CommentRecord(
            source_key=key,
            article_key=f"disqus:thread:{thread_id}",
            parent_key=f"disqus:post:{parent_id}" if parent_id else None,
            body=fields.get("message", ""),
            created_at=_date(fields.get("createdAt", "")),
            status=status,
            author_name=author_fields.get("name") or author_fields.get("username", ""),
            author_email=author_fields.get("email", ""),
            ip_address=fields.get("ipAddress", ""),
        )
        if thread_id in self._threads:
            yield post
        else:
            self._waiting.append((thread_id, post))

    def _orphan(self, thread_id: str, key: str) -> Skipped:
        if thread_id in self._deleted_threads:
            return Skipped(kind="comment", source_id=key, reason="its thread was skipped")
        return Skipped(kind="comment", source_id=key, reason="its thread isn't in the file")


def _check_root(root: Element) -> None:
    name = split_tag(root.tag)[1]
    if name == "disqus":
        return
    if name == "rss":
        raise ImportFileError(
            "This looks like a WordPress export or an RSS feed, not a Disqus export: "
            "import a WordPress export with import_wordpress"
        )
    if name.lower() == "html":
        raise ImportFileError(
            "This is a web page, not a Disqus export. Disqus emails a link to the export "
            "file after Moderation → Export"
        )
    raise ImportFileError(
        f"This is not a Disqus export: the file's root element is <{name}>, "
        "where a Disqus export has <disqus>"
    )


def _child(elem: Element, name: str) -> Element | None:
    for child in elem:
        if split_tag(child.tag)[1] == name:
            return child
    return None


def _fields(elem: Element) -> dict[str, str]:
    """Child texts by local name (the first of each); namespaces are Disqus's own."""
    fields: dict[str, str] = {}
    for child in elem:
        name = split_tag(child.tag)[1]
        if name not in fields:
            fields[name] = text_of(child)
    return fields


def _flag(value: str) -> bool | None:
    """``true``/``false`` (missing is false); ``None`` when it's neither."""
    value = value.lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
