from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/", views.signup_view, name="signup"),
    path("accounts/signup/sent/", views.signup_sent_view, name="signup-sent"),
    path(
        "accounts/signup/confirm/<str:token>/",
        views.signup_confirm_view,
        name="signup-confirm",
    ),
    path("accounts/settings/", views.settings_view, name="settings"),
    path("users/<str:username>/", views.profile_view, name="profile"),
]
