"""The demo's staff editor and its regular readers.

Usernames are the kind fans pick; some readers give a real-looking name, most
don't, so both the full-name and the username display paths get exercised.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "trekboard-demo"  # noqa: S105 (documented in the README; demo only)
EDITOR_USERNAME = "editor"
EDITOR_EMAIL = "editor@example.com"


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str = ""
    last_name: str = ""
    bio: str = ""
    joined_days_ago: int = 400
    # How often this reader posts, relative to the others: every comment
    # section has a few regulars who are in every thread.
    activity: int = 2


EDITOR = Person(
    EDITOR_USERNAME,
    "Rosa",
    "Calloway",
    bio="Editor. Watching Lanternfall since the Coriolis first fell off the map.",
    joined_days_ago=1500,
)

READERS: tuple[Person, ...] = (
    Person("canon_keeper", bio="If it aired, it happened.", joined_days_ago=1400, activity=5),
    Person("vibes_not_canon", bio="The show is allowed to grow.", joined_days_ago=900, activity=5),
    Person(
        "propmaster_pete",
        "Pete",
        "Lindqvist",
        bio="Builds replica slates in his garage. Notices every chair.",
        joined_days_ago=1200,
        activity=4,
    ),
    Person("perihelion_pilot", "Ana", "Sousa", joined_days_ago=700, activity=4),
    Person("oldcoriolis", "Graham", "Whitlock", bio="Classic, first run, 1987.", activity=3),
    Person("nebulanerd", joined_days_ago=300, activity=3),
    Person("dunedin_viewer", "Kiri", "Walsh", bio="Watching from New Zealand.", activity=2),
    Person("orbitline_olly", bio="Melbourne. Always a day behind.", joined_days_ago=650),
    Person("lumen_lily", "Lily", "Tran", joined_days_ago=220, activity=3),
    Person("greyjumper", joined_days_ago=810),
    Person("sef_marrow_stan", bio="Protect the doctor at all costs.", activity=3),
    Person("midnight_rewatch", joined_days_ago=95),
    Person("mapmaker_june", "June", "Adeyemi", bio="Draws fan maps of the Reach.", activity=3),
    Person("retrofan_1987", joined_days_ago=1600, activity=2),
    Person("starchart_sam", "Sam", "Okonkwo", joined_days_ago=520),
    Person("bulkhead_bea", joined_days_ago=140, activity=2),
    Person("tessellate", joined_days_ago=1000),
    Person("margo_watches", "Margo", "Feld", joined_days_ago=60),
    Person("hollow_choir_apologist", bio="They have a point. Hear me out.", activity=2),
    Person("firstwatch_finn", "Finn", "O'Rourke", joined_days_ago=330),
    Person("cadet_ravi", "Ravi", "Menon", joined_days_ago=45, activity=2),
    Person("the_real_quillon", bio="Beep. (Not actually an android.)", joined_days_ago=760),
    Person("hyperlane_sandwich", joined_days_ago=410, activity=3),
    Person("kestrel_tv_sufferer", bio="UK. Dodging spoilers since forever.", joined_days_ago=580),
)
