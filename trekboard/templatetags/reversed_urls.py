"""``{% url %}`` that reverses each name and set of arguments once per process.

A page's frame (header, footer, the comment form) runs a dozen ``{% url %}``
tags, each a full ``reverse()``: about a twentieth of an uncached article
page. The answer depends only on the name, the arguments, the current app,
the script prefix and the URLconf, so it is kept under all of them. Only
plain ``str`` and ``int`` arguments are kept (a model's ``str()`` can change);
anything else is Django's tag unchanged, as is a name that does not reverse.

Installed as a template builtin (``TEMPLATES[...]["OPTIONS"]["builtins"]``),
so every template's ``{% url %}`` is this one.
"""

from __future__ import annotations

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

register = template.Library()

_KEPT = 4096
_reversed: dict[tuple, str] = {}
_PLAIN = (str, SafeString, int)  # a literal in a template is a SafeString


class ReversedURLNode(defaulttags.URLNode):
    def render(self, context) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple((name, value.resolve(context)) for name, value in self.kwargs.items())
        if not all(type(value) in _PLAIN for value in (*args, *(v for _, v in kwargs))):
            return super().render(context)
        view_name = self.view_name.resolve(context)
        if type(view_name) not in _PLAIN:
            return super().render(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        key = (view_name, args, kwargs, current_app, get_script_prefix(), get_urlconf())
        url = _reversed.get(key)
        if url is None:
            try:
                url = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
            except NoReverseMatch:
                return super().render(context)  # raises, or sets the variable to ""
            if len(_reversed) >= _KEPT:
                _reversed.clear()
            _reversed[key] = url
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token) -> ReversedURLNode:
    node = defaulttags.url(parser, token)
    return ReversedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
