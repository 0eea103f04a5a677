import functools

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.views import LoginView, PasswordResetView
from django.urls import include, path

from trekboard import admin_jobs, views
from trekboard.ratelimits import rate_limit

admin.site.site_header = "Trekboard administration"
admin.site.site_title = "Trekboard admin"
admin.site.index_title = "Articles, discussions and readers"

# Both login forms count their POSTs per IP address and per username, as one
# limit: guessing through the admin's form must not bypass the readers' one.
# Listed before admin.site.urls and django.contrib.auth.urls, which they override.
login_view = rate_limit("login")(LoginView.as_view())


def _head_as_get(view):
    # The admin's login redirects a signed-in GET but renders the form for a
    # HEAD; HEAD must answer as GET does (the server drops the body).
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "HEAD":
            return view(request, *args, **kwargs)
        request.method = "GET"
        try:
            return view(request, *args, **kwargs)
        finally:
            request.method = "HEAD"

    return wrapped


admin_login_view = rate_limit("login")(_head_as_get(admin.site.login))
# Each reset request emails the address typed: counted per address and per IP.
password_reset_view = rate_limit("reset")(PasswordResetView.as_view())

urlpatterns = [
    path("admin/login/", admin_login_view),
    # The job queue for staff; before admin.site.urls, whose catch-all would take it.
    path("admin/jobs/", admin.site.admin_view(admin_jobs.jobs_view), name="admin_jobs"),
    path("admin/", admin.site.urls),
    path("accounts/login/", login_view, name="login"),
    path("accounts/password_reset/", password_reset_view, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("", include("api.urls")),
    path("", include("accounts.urls")),
    path("", include("articles.urls")),
    path("", include("comments.urls")),
]

if settings.SERVE_MEDIA:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "trekboard.views.page_not_found"
handler400 = "trekboard.inputs.bad_request"
