from django.urls import path

from comments import views

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.comment_create_view, name="create"),
    path("comments/<int:pk>/", views.comment_detail_view, name="detail"),
    path("comments/<int:pk>/reply/", views.comment_reply_view, name="reply"),
]
