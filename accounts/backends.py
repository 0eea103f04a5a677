"""Django's ModelBackend, reading the signed-in reader's row with one prepared statement.

Every request of a signed-in reader loads their row (``get_user``). Through
the ORM that is a query compiled afresh each time: about half a millisecond
of Python, as long as the rest of a signed-in article page drawn from its
shared drawing (comments/overlay.py). The statement here is built once per
process, planned once per connection (``trekboard.queries.execute_prepared``)
and its row becomes the same model the ORM would make.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import User
from trekboard.queries import execute_prepared, row_instance


@cache
def _statement() -> tuple[list[str], str]:
    fields = User._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    table = quote(User._meta.db_table)
    pk = quote(User._meta.pk.column)
    sql = f"SELECT {columns} FROM {table} WHERE {pk} = %(pk)s"  # noqa: S608 - names from the model
    return [field.attname for field in fields], sql


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:  # not an id: nobody
            return None
        names, sql = _statement()
        with connection.cursor() as cursor:
            execute_prepared(cursor, sql, {"pk": pk})
            row = cursor.fetchone()
        if row is None:
            return None
        user = row_instance(User, connection.alias, names, row)
        return user if self.user_can_authenticate(user) else None
