"""The comment tree below the writers: how threads are numbered, locked, placed and checked.

Each top-level comment is its own MPTT tree (``tree_id``), numbered with
spaced-out edges so a reply moves no other row:

* ``intervals``: the arithmetic of the spaced edges (pure, no database);
* ``locks``: the advisory locks every tree write holds to its commit;
* ``placement``: where a new reply goes, the rare respread, the walk up a thread;
* ``build``: whole threads numbered in memory for the bulk writers (import, generator);
* ``integrity``: every invariant of the trees and their counters, checked in SQL.

``comments.services`` (one comment at a time) and the bulk writers
(``comments.importing.loader``, ``comments.generate``) both stand on this
package; it imports the models and nothing above them.
"""
