"""Django's PostgreSQL backend, with a health check that costs no round trip.

``CONN_HEALTH_CHECKS`` keeps a persistent connection from failing a request
after the database restarted or the connection was cut: Django asks
``is_usable()`` at the start of each request that reuses a connection, and
PostgreSQL's backend answers it with a ``SELECT 1``. That is a round trip on
every request, the only one a cached anonymous page made, and about a tenth of
a signed-in page's time under load.

A connection that died has said so on its socket: the server sends its
shutdown notice and closes (a restart, ``pg_terminate_backend``, PgBouncer
going away), or the network layer resets it, and either way the socket turns
readable. A healthy idle connection has nothing to read, since Trekboard
never LISTENs. So the socket is polled without waiting, and only a readable
one is asked with Django's ``SELECT 1``, which then fails (the connection is
replaced before the request runs) or reads whatever the server sent.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone already
            return False
        return not readable or super().is_usable()
