import gc

from django.apps import AppConfig

# A page allocates a few thousand short-lived objects (its rows, their models,
# the markup's strings). With CPython's default threshold (700) that runs a
# young-generation collection several times per page, each also walking the
# tens of thousands of long-lived objects Django and the apps made at start-up
# whenever an older generation is due. Freezing what exists once the apps are
# loaded takes those out of every later collection, and a larger first
# threshold collects young objects a few times less often: about 1 ms off a
# signed-in article page (bench/README.md). Cycles are still collected.
GC_THRESHOLDS = (10_000, 50, 100)


class TrekboardConfig(AppConfig):
    """The project package as an app: for the cache-table migration and process set-up."""

    name = "trekboard"
    verbose_name = "Trekboard"

    def ready(self) -> None:
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
