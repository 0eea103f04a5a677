from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from trekboard import views

admin.site.site_header = "Trekboard administration"
admin.site.site_title = "Trekboard admin"
admin.site.index_title = "Articles, discussions and readers"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("articles.urls")),
    path("", include("comments.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "trekboard.views.page_not_found"
