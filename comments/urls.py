from django.urls import path

from comments import views
from comments.feeds import article_comments_feed

app_name = "comments"

urlpatterns = [
    path("articles/<slug:slug>/comments/", views.comment_create_view, name="create"),
    path("articles/<slug:slug>/comments/page/", views.comment_page_view, name="page"),
    path("articles/<slug:slug>/feed/", article_comments_feed, name="feed"),
    path("comments/preview/", views.comment_preview_view, name="preview"),
    path("search/", views.search_view, name="search"),
    path("comments/live/<int:article_id>/", views.live_view, name="live"),
    path("comments/live/<int:article_id>/new/", views.live_show_view, name="live_show"),
    path("comments/<int:pk>/", views.comment_detail_view, name="detail"),
    path("comments/<int:pk>/reply/", views.comment_reply_view, name="reply"),
    path("comments/<int:pk>/replies/", views.comment_replies_view, name="replies"),
    path("comments/<int:pk>/reveal/", views.comment_reveal_view, name="reveal"),
    path("comments/<int:pk>/edit/", views.comment_edit_view, name="edit"),
    path("comments/<int:pk>/delete/", views.comment_delete_view, name="delete"),
    path("comments/<int:pk>/like/", views.comment_like_view, name="like"),
    path("comments/<int:pk>/flag/", views.comment_flag_view, name="flag"),
    path("notifications/", views.inbox_view, name="inbox"),
    path("notifications/read/", views.inbox_mark_read_view, name="inbox_read"),
    path("notifications/<int:pk>/", views.notification_open_view, name="notification_open"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
