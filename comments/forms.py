from operator import attrgetter

from django import forms
from django.conf import settings

from articles.models import Release
from comments.models import CommentFlag, StandardReason
from comments.rules import comment_body_errors
from comments.search import MAX_QUERY_LENGTH, Search
from trekboard.inputs import ReadableFormMixin


class CommentForm(ReadableFormMixin, forms.Form):
    """Validates what a reader typed, so errors show beside the field; the service re-checks.

    The rules are ``comments.rules``'s, asked twice on purpose: here for the
    form's own messages, in the service for every other caller.
    """

    body = forms.CharField(
        label="Comment",
        strip=False,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": "Join the discussion…",
                "maxlength": settings.COMMENT_MAX_LENGTH,
            }
        ),
        error_messages={"required": "Your comment is empty. Write something before posting."},
        help_text=(
            "Markdown: **bold**, *italic*, `code`, > quote, - list, [text](https://…), "
            "||spoiler||, @username. Links become clickable."
        ),
    )

    # A honeypot: hidden from people (CSS, tabindex -1, no autofill), filled in by bots.
    website = forms.CharField(required=False, label="Leave this field empty")

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise forms.ValidationError(
                "Your comment looks like it was sent by a program, so it wasn't posted. "
                "If you're a person, reload the page and try again."
            )
        return ""

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        errors = comment_body_errors(body)
        if errors:
            raise forms.ValidationError(errors)
        return body


class FlagForm(ReadableFormMixin, forms.Form):
    """Why a reader reports a comment; the service enforces one flag per reader."""

    reason = forms.ChoiceField(
        label="What's wrong with this comment?",
        choices=CommentFlag.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason for flagging this comment."},
    )
    text = forms.CharField(
        label="Tell the moderators more",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        help_text="Required for “Something else”.",
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        text = cleaned.get("text", "").strip()
        if cleaned.get("reason") == CommentFlag.Reason.OTHER and not text:
            self.add_error("text", "Tell the moderators what is wrong with this comment.")
        return cleaned


def _date_field(label: str, end: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": f"Enter the {end} date as YYYY-MM-DD."},
    )


class SearchForm(ReadableFormMixin, forms.Form):
    """A search, read from the query string: every field optional but the words."""

    q = forms.CharField(
        label="Search comments and articles",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": f"Search for fewer words: {MAX_QUERY_LENGTH} characters at most."
        },
    )
    article = forms.SlugField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": "That isn't an article's address; search everywhere instead."},
    )
    author = forms.CharField(
        label="By",
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"placeholder": "username", "autocomplete": "off"}),
    )
    since = _date_field("From", "start")
    until = _date_field("To", "end")

    def clean(self) -> dict:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned

    def search(self, *, page: int, viewer: int = 0, watched=()) -> Search:
        data = self.cleaned_data
        return Search(
            viewer=viewer,
            watched=tuple(sorted(watched)),
            text=data["q"],
            article=data["article"],
            author=data["author"].strip().lstrip("@"),
            since=data["since"],
            until=data["until"],
            page=page,
        )


# --- Why a moderator acts ---------------------------------------------------
# Moderators pick a reason from a short list they keep themselves (the
# StandardReason changelist) or write their own words, or both (the words then
# follow the reason: "Spoiler without a warning: the finale's twist"). Where
# readers see the outcome (a removal, a suspension, a ban) a reason is
# required: the author is told it. Every admin's acts ask with this form.

REASON_LENGTH = 300


class ModerationReasonForm(forms.Form):
    """A standard reason, the moderator's own words, or both; required unless ``required=False``."""

    standard = forms.ChoiceField(label="Reason", required=False, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="In your own words",
        required=False,
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def __init__(self, *args, help_text: str | None = None, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason_required = required
        standard = [(text, text) for text in StandardReason.objects.values_list("text", flat=True)]
        if not required:
            standard.insert(0, ("", "No reason"))
        self.fields["standard"].choices = standard
        if not standard:
            del self.fields["standard"]
            self.fields["reason"].label = "Reason"
        else:
            self.fields["reason"].help_text = "Or as well as the reason chosen above."
        if help_text:
            field = self.fields.get("standard") or self.fields["reason"]
            field.help_text = help_text

    def clean(self):
        data = super().clean()
        words = " ".join((data.get("reason") or "").split())
        chosen = data.get("standard") or ""
        reason = f"{chosen}: {words}" if chosen and words else (chosen or words)
        if len(reason) > REASON_LENGTH:
            self.add_error("reason", f"Keep the reason under {REASON_LENGTH} characters in all.")
        elif self.reason_required and not reason and not self.has_error("standard"):
            raise forms.ValidationError("Choose a reason or write one: the author is told it.")
        data["reason"] = reason
        return data


class SpoilerMarkForm(ModerationReasonForm):
    """A retro-spoiler: the release it spoils (covered until readers watch it), or a warning."""

    release = forms.ModelChoiceField(
        label="Spoils",
        queryset=Release.objects.select_related("show"),
        required=False,
        empty_label="No episode: hide the text behind a spoiler warning instead",
        help_text="Readers who haven't watched it see a cover; after the spoiler window, "
        "everyone reads it.",
    )

    field_order = ("release", "standard", "reason")

    def __init__(self, data=None):
        super().__init__(
            data, required=False, help_text="Kept in the audit log and told to the author."
        )
        self.fields["release"].label_from_instance = attrgetter("long_name")


def optional_reason(help_text: str = "Kept in the audit log and told to the author."):
    """The form of an act that may say why but needn't."""

    def form(data=None):
        return ModerationReasonForm(data, help_text=help_text, required=False)

    return form


def required_reason(help_text: str):
    def form(data=None):
        return ModerationReasonForm(data, help_text=help_text)

    return form
