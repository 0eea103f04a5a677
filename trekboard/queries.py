"""Query helpers with no app in them, shared by the apps' reads and admin pages."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Subquery
from django.db.models.functions import Coalesce


def subquery_count(queryset: QuerySet, group_by: str) -> Coalesce:
    """COUNT(*) of a correlated queryset as a column of the outer query (0 when none)."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)
