from django.urls import path

from api import embed
from api.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("embed.js", embed.embed_script, name="embed-js"),
    path("count.js", embed.count_script, name="count-js"),
    path("embed/", embed.embed_view, name="embed"),
    path("embed/signin/", embed.signin_view, name="embed-signin"),
]
