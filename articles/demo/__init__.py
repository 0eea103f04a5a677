"""Demo content for ``manage.py seed_demo``: an invented franchise and its fans.

Everything here is original and made up: *Lanternfall*, its shows, ships,
characters and actors, the site's articles and the readers' comments. The
images are drawn with Pillow at seed time, so a fresh checkout shows a full
site without fetching anything from the network.

Nothing in this package creates a random generator of its own: the command
passes one seeded ``random.Random`` in, so the demo is the same on every run.
"""
