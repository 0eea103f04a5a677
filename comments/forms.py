from django import forms
from django.conf import settings

from comments.models import CommentFlag
from comments.rules import comment_body_errors
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
