from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/", views.signup_view, name="signup"),
    path("accounts/settings/", views.settings_view, name="settings"),
    path("users/<str:username>/", views.profile_view, name="profile"),
]
