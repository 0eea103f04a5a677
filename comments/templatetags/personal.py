"""``{% personal "name" %}…{% endpersonal %}``: a part of a page that belongs to its reader.

Rendered as usual, except in the shared drawing signed-in readers' pages are
made from (``comments.overlay``): there the part becomes a mark, and the
overlay renders it for each reader with their own context.
"""

from __future__ import annotations

from django import template

register = template.Library()


class PersonalNode(template.Node):
    def __init__(self, name: str, nodelist) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context) -> str:
        marks = context.get("overlay_marks")
        if marks is None:
            return self.nodelist.render(context)
        marks.parts[self.name] = (self.nodelist, context.template)
        return marks.mark(self.name)


@register.tag
def personal(parser, token) -> PersonalNode:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('Use {% personal "name" %}…{% endpersonal %}.')
    nodelist = parser.parse(("endpersonal",))
    parser.delete_first_token()
    return PersonalNode(bits[1][1:-1], nodelist)
