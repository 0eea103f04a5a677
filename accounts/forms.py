from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, BaseUserCreationForm

from accounts.models import User
from accounts.usernames import username_problem
from articles.models import Release
from trekboard.inputs import ReadableFormMixin
from trekboard.text import has_visible_character

INVISIBLE_TEXT = (
    "This has no visible characters, only spaces or invisible ones. "
    "Write something, or leave it empty."
)


def _clean_chosen_username(form: forms.ModelForm) -> str:
    """The shared username rule (accounts.usernames) as a form field check."""
    username = form.cleaned_data.get("username") or ""
    problem = username_problem(username, exclude_pk=form.instance.pk)
    if problem:
        raise forms.ValidationError(problem)
    return username


class SignupForm(ReadableFormMixin, BaseUserCreationForm):
    """Username, email and password. It checks them; accounts.services.signup_request acts.

    The email is not checked against existing accounts here: saying "taken"
    would tell strangers who has an account (see accounts.services).
    """

    email = forms.EmailField(
        required=True, help_text="For password resets. Never shown to other readers."
    )

    class Meta(BaseUserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_username(self) -> str:
        return _clean_chosen_username(self)

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"])


class AccountAdminCreationForm(AdminUserCreationForm):
    """The admin's "Add user" form, with the readers' username rule: staff can't add look-alikes."""

    class Meta(AdminUserCreationForm.Meta):
        model = User

    def clean_username(self) -> str:
        return _clean_chosen_username(self)


class ProfileForm(ReadableFormMixin, forms.ModelForm):
    """What a reader can change about themselves: name, bio, email and email notifications."""

    class Meta:
        model = User
        fields = ("first_name", "last_name", "bio", "email", "email_notifications")
        labels = {"first_name": "First name", "last_name": "Last name"}
        help_texts = {
            "bio": "A few words for your profile page. Plain text, up to 2,000 characters.",
            "email": "For password resets and, if you ask for them, notification emails.",
            "email_notifications": (
                "When someone replies to you or mentions you. Every email has a one-click "
                "unsubscribe link."
            ),
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}

    def _visible_or_empty(self, name: str) -> str:
        value = self.cleaned_data.get(name, "")
        if value and not has_visible_character(value):
            raise forms.ValidationError(INVISIBLE_TEXT)
        return value

    def clean_first_name(self) -> str:
        return self._visible_or_empty("first_name")

    def clean_last_name(self) -> str:
        return self._visible_or_empty("last_name")

    def clean_bio(self) -> str:
        return self._visible_or_empty("bio")

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if email and taken.exists():
            raise forms.ValidationError("Another account already uses this email.")
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        # Every field is optional, so a body without them (an empty, cut-off
        # or forged POST) would blank the profile, the email with it, and the
        # reader would lose their way back in through a password reset. The
        # settings page always sends the email field, empty or not.
        if self.is_bound and "email" not in self.data:
            raise forms.ValidationError(
                "The form arrived incomplete, so nothing was changed. Reload the page and try "
                "again."
            )
        if cleaned.get("email_notifications") and not cleaned.get("email"):
            self.add_error("email", "Add an email address to get notification emails.")
        return cleaned


ELSEWHERE = "Elsewhere"


class SpoilerSettingsForm(forms.Form):
    """Where the reader watches and what they've watched: which spoilers show for them."""

    region = forms.ChoiceField(
        label="Where you watch",
        required=False,
        help_text=(
            "Spoilers stay covered until you say you've watched the episode, or until "
            "RELEASE_DAYS days after it airs where you are."
        ),
    )
    watched = forms.ModelMultipleChoiceField(
        label="Episodes and films you've watched",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, releases, regions: list[str], days: int, **kwargs):
        super().__init__(*args, **kwargs)
        # Any region without an airing of its own gets the first one.
        self.fields["region"].choices = [
            ("", "Not set: once it has aired everywhere"),
            *((r, r) for r in regions),
            (ELSEWHERE, "Elsewhere: where it airs first"),
        ]
        self.fields["region"].help_text = self.fields["region"].help_text.replace(
            "RELEASE_DAYS", str(days)
        )
        watched = self.fields["watched"]
        watched.queryset = Release.objects.all()
        # The settings page lists them all already: not read again to draw the boxes.
        watched.choices = [(release.pk, release.long_name) for release in releases]
