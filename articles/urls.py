from django.urls import path

from articles import views
from articles.feeds import articles_feed

app_name = "articles"

urlpatterns = [
    path("", views.article_list_view, name="list"),
    path("articles/<slug:slug>/", views.article_detail_view, name="detail"),
    path("tags/<slug:slug>/", views.tag_detail_view, name="tag"),
    path("feeds/articles/", articles_feed, name="feed"),
    path("releases/<int:pk>/watched/", views.release_watched_view, name="release-watched"),
]
