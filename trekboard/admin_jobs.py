"""The job queue as staff see it in the admin: what waits, what runs, what failed, and why.

Every member of staff may look (an editor whose import failed wants to know
why); only superusers retry or forget a failed job.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from trekboard import jobs


@require_http_methods(["GET", "HEAD", "POST"])
def jobs_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _act(request)
    context = {
        **admin.site.each_context(request),
        "title": "Jobs",
        "subtitle": None,
        "enabled": jobs.enabled(),
        "queue_name": settings.JOBS_QUEUE,
    }
    if context["enabled"]:
        try:
            context["counts"] = jobs.counts()
            context["failed"] = [_shown(job) for job in jobs.failed_jobs()]
        except Exception as error:  # Redis unreachable: say so rather than fail
            context["unreachable"] = f"{type(error).__name__}: {error}"
    return TemplateResponse(request, "admin/jobs.html", context)


def _shown(job) -> dict:
    trace = job.latest_result().exc_string if job.latest_result() else (job.exc_info or "")
    lines = [line for line in (trace or "").strip().splitlines() if line.strip()]
    return {
        "id": job.id,
        "description": job.description,
        "failed_at": job.ended_at,
        "enqueued_at": job.enqueued_at,
        "error": lines[-1] if lines else "(no error recorded)",
        "trace": trace,
    }


def _act(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied
    job_id, act = request.POST.get("job", ""), request.POST.get("act", "")
    if act == "retry":
        done = jobs.retry_failed(job_id)
        message = "Queued again." if done else "No such failed job (already retried or forgotten?)."
    elif act == "forget":
        done = jobs.forget_failed(job_id)
        message = "Forgotten." if done else "No such failed job."
    else:
        done, message = False, "Unknown action."
    messages.add_message(request, messages.SUCCESS if done else messages.WARNING, message)
    return HttpResponseRedirect(reverse("admin_jobs"))
