"""The shapes the API reads and writes, for its OpenAPI schema (``/api/v1/schema/``)."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Schema

State = Literal["published", "pending", "deleted", "removed", "spoiler", "unavailable"]


class Person(Schema):
    username: str | None = Field(description="None for a guest imported from another system.")
    name: str
    guest: bool
    staff: bool
    profile: str | None = Field(description="This reader's profile in the API.")


class More(Schema):
    count: int
    next: str = Field(description="The URL that reads them.")


class Spoils(Schema):
    code: str = Field(description="The release it spoils, as S3E05.")
    watched: bool = False


class Comment(Schema):
    id: int
    parent: int | None
    depth: int = Field(description="0 for a top-level comment.")
    state: State = Field(
        description="Whether its text shows to this reader; 'spoiler' is covered until they "
        "have watched the release (the page's 'Show this one')."
    )
    author: Person | None
    created: str | None
    edited: str | None
    html: str | None = Field(description="The sanitized text; None unless it shows.")
    likes: int
    liked: bool
    own: bool
    can_edit: bool
    can_delete: bool
    new: bool = Field(description="Written by someone else since this reader's last visit.")
    pinned: bool
    editors_pick: bool
    spoils: Spoils | None
    replies_total: int
    url: str
    page: str = Field(description="Its page on the board.")
    replies: list[Comment] = Field(description="The replies shown under it, in the sort.")
    more_replies: More | None = Field(description="Replies not shown: the next batch's URL.")
    continue_thread: str | None = Field(
        description="Replies below the depth cap or past the page's budget: read from here."
    )


class DiscussionSummary(Schema):
    id: int
    title: str
    kind: Literal["article", "page"] = Field(
        description="'page': a page on another site, discussed through the embed."
    )
    url: str
    comments: int = Field(description="Published comments.")
    open: bool = Field(description="Whether it takes new comments.")
    published: str | None
    api: str


class DiscussionList(Schema):
    discussions: list[DiscussionSummary]
    next: str | None


class DiscussionPage(DiscussionSummary):
    sort: str
    sorts: list[str]
    page: int
    threads_per_page: int
    threads: list[Comment]
    next: str | None = Field(description="The next page of threads ('Load more comments').")


class Ancestor(Schema):
    id: int
    parent: int | None
    depth: int
    state: State
    author: Person | None
    created: str | None
    html: str | None
    spoils: dict | None
    url: str
    page: str


class CommentContext(Schema):
    discussion: DiscussionSummary
    ancestors: list[Ancestor] = Field(description="The comments it answers, oldest first.")
    comment: Comment


class ReplyPage(Schema):
    parent: int
    replies: list[Comment]
    more_replies: More | None


class Recent(Ancestor):
    discussion: DiscussionSummary


class Profile(Schema):
    username: str
    name: str
    bio: str
    joined: str
    staff: bool
    comments: int
    likes_received: int
    recent: list[Recent]
    page: str


class Me(Schema):
    username: str
    name: str
    unread_notifications: int
    notifications: str = Field(description="The inbox page.")
    posting_blocked: str | None = Field(description="Why this reader can't post now, if so.")


class CommentIn(Schema):
    body: str = Field(description="Markdown, up to 10,000 characters.")
    parent: int | None = Field(None, description="The comment this replies to.")
    spoils: int | None = Field(
        None, description="The release it spoils (an id from the page's list); omit for none."
    )


class EditIn(Schema):
    body: str


class FlagIn(Schema):
    reason: str = Field(description="spam, abuse, offtopic, spoiler or other.")
    text: str = ""


class Posted(Schema):
    comment: Comment
    held: bool = Field(description="Waiting for a moderator: only its author sees it.")
    message: str


class Liked(Schema):
    id: int
    liked: bool
    likes: int


class Flagged(Schema):
    message: str


class ReadIn(Schema):
    ids: list[int] | None = Field(None, description="These; all when omitted.")


class Marked(Schema):
    marked: int


class Notification(Schema):
    id: int
    kind: str
    unread: bool
    created: str
    text: str
    url: str


class Notifications(Schema):
    notifications: list[Notification]
    unread: int
