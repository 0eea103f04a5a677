"""The locks every write to the tree takes: PostgreSQL transaction advisory locks.

A new thread takes ``MAX(tree_id) + 1`` and a reply a slice of its parent's
interval, both read before the write, so each writer holds a lock from that
read to its commit:

* a reply (or an edit, a status change) locks its thread, one lock per
  ``tree_id``, so writes to other threads proceed in parallel;
* a new top-level comment, and a bulk writer numbering new threads, take one
  global lock that serialises the ``MAX(tree_id) + 1`` allocation.

Transaction-level locks are released at commit or rollback, so an error can
never leave one behind. Lock order, everywhere: the thread's lock, then comment
rows, then the article's row.
"""

from __future__ import annotations

from django.db import connection

# Two-key advisory locks: (namespace, id). The namespace keeps ours apart from
# any other advisory lock user of the same database.
LOCK_NAMESPACE_TREE = 0x54524545  # "TREE"
LOCK_NAMESPACE_ROOTS = 0x524F4F54  # "ROOT"


def _advisory_lock(namespace: int, key: int) -> None:
    """Block until this transaction holds the lock. Precondition: inside atomic()."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])


def tree_lock(tree_id: int) -> None:
    """Serialise writes to one thread (one MPTT tree). Call inside atomic()."""
    _advisory_lock(LOCK_NAMESPACE_TREE, tree_id)


def new_tree_lock() -> None:
    """Serialise the allocation of new tree ids. Call inside atomic()."""
    _advisory_lock(LOCK_NAMESPACE_ROOTS, 0)
