"""Moving discussions in and out: WordPress (WXR) and Disqus imports, WXR and JSON exports.

Parsers (``wxr``, ``disqus``) stream a file into the plain records of
``records``; ``loader`` writes records to the database in bulk, building each
thread's tree in memory and checking it under the lock; ``export`` writes the
other way. Parsers never touch the database, and the loader never sees XML.
"""
