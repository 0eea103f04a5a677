from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User
from trekboard.inputs import ReadableFormMixin


class SignupForm(ReadableFormMixin, UserCreationForm):
    email = forms.EmailField(
        required=True, help_text="For password resets. Never shown to other readers."
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_username(self) -> str:
        username = super().clean_username()
        if username.lower().startswith("guest-"):
            # Imported guest commenters are named guest-<hash>; nobody may pose as one.
            raise forms.ValidationError("Usernames starting with “guest-” are reserved.")
        return username

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this email already exists. Log in, or reset your password."
            )
        return email


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

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if email and taken.exists():
            raise forms.ValidationError("Another account already uses this email.")
        return email

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("email_notifications") and not cleaned.get("email"):
            self.add_error("email", "Add an email address to get notification emails.")
        return cleaned
