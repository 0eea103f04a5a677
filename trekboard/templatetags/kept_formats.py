"""``{% static %}`` and ``|date`` that work each answer out once per process.

Both are pure functions of their input and of settings, yet Django works them
out on every use: ``|date:"F j, Y"`` builds a formatter and looks up the
language's formats (20-35 microseconds), ``{% static %}`` asks the storage
(10). A page's frame has a handful of each, and a list of articles two dates a
card. Installed as template builtins (``TEMPLATES[...]["OPTIONS"]["builtins"]``),
like ``reversed_urls``, so a template that doesn't ``{% load static %}`` gets
these; one that does gets Django's, unchanged. Answers are kept per process,
bounded, and forgotten whenever a setting changes (tests override them).
"""

from __future__ import annotations

from datetime import date as calendar_date, datetime

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaultfilters
from django.templatetags.static import StaticNode
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

_KEPT = 4096
_statics: dict[str, str] = {}
_dates: dict[tuple, str] = {}


@receiver(setting_changed)
def _forget(**kwargs) -> None:
    _statics.clear()
    _dates.clear()


class KeptStaticNode(StaticNode):
    def url(self, context) -> str:
        path = self.path.resolve(context)
        if type(path) not in (str, SafeString):
            return self.handle_simple(path)
        found = _statics.get(path)
        if found is None:
            # The storage answers for the life of the process: a manifest
            # storage reads its manifest once, when it is made.
            found = self.handle_simple(path)
            if len(_statics) >= _KEPT:
                _statics.clear()
            _statics[path] = found
        return found


@register.tag
def static(parser, token) -> KeptStaticNode:
    return KeptStaticNode.handle_token(parser, token)


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None) -> str:
    kind = type(value)
    if kind is not datetime and kind is not calendar_date:
        return defaultfilters.date(value, arg)
    # Aware datetimes are equal across time zones at the same instant, so the
    # zone (what the reader's local time is shown in) is part of the key.
    key = (value, getattr(value, "tzinfo", None), arg, get_language())
    found = _dates.get(key)
    if found is None:
        found = defaultfilters.date(value, arg)
        if len(_dates) >= _KEPT:
            _dates.clear()
        _dates[key] = found
    return found
