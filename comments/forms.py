from django import forms
from django.conf import settings

from comments.models import Comment
from comments.services import comment_body_errors


class CommentForm(forms.Form):
    """Validates what a reader typed; the service re-checks and writes."""

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
        help_text="**bold**, *italic*, ~~strike~~, `code`, > quote. Links become clickable.",
    )

    # The reply page names its parent in the URL; this field lets the article's
    # own endpoint take replies too (as WordPress's comment_parent does).
    parent = forms.ModelChoiceField(
        queryset=Comment.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "The comment you replied to doesn't exist."},
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        errors = comment_body_errors(body)
        if errors:
            raise forms.ValidationError(errors)
        return body
