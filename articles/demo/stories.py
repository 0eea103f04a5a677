# Editorial copy: curly quotes and en dashes are intended typography.
# ruff: noqa: RUF001
"""The demo site's articles, as an editor of a fan news site would write them.

The franchise is invented: *Lanternfall* (the 1987 original, which fans call
"Classic"), the station show *Deepwatch*, the current flagship *Meridian* and
the animated *Small Hours*. Ships fall faster than light between beacons (the
"Lantern Line"); each ship's lantern core locks onto them. *Meridian* left its
crew stranded beyond the Line, so everything here circles that cliffhanger.

Ages are relative to the moment the command runs, so the front page always
looks freshly updated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

# Tags: shows, seasons and topics. Related articles are matched on shared tags.
MERIDIAN = "Lanternfall: Meridian"
DEEPWATCH = "Lanternfall: Deepwatch"
SMALL_HOURS = "Lanternfall: Small Hours"
CLASSIC = "Lanternfall Classic"
SEASON_2 = "Meridian Season 2"
SEASON_3 = "Meridian Season 3"
TRAILERS = "Trailers"
REVIEWS = "Reviews"
CASTING = "Casting"
EXPLAINERS = "Explainers"
RELEASE_DATES = "Release Dates"
CONVENTIONS = "Conventions"
INTERVIEWS = "Interviews"


@dataclass(frozen=True)
class GallerySpec:
    scene: str
    caption: str
    alt_text: str = ""


@dataclass(frozen=True)
class StorySpec:
    """One article and the shape of its discussion."""

    slug: str
    title: str
    standfirst: str
    body: str
    hero_scene: str
    hero_caption: str
    tags: tuple[str, ...]
    # None makes a draft: no publication date, no comments, hidden from readers.
    age: timedelta | None
    topic: str
    comment_count: int = 0
    max_depth: int = 3
    comments_open: bool = True
    video_url: str = ""
    gallery: tuple[GallerySpec, ...] = field(default_factory=tuple)


LEAD_SLUG = "meridian-season-3-trailer"

TRAILER = StorySpec(
    slug=LEAD_SLUG,
    title="Watch: First Full Trailer For ‘Lanternfall: Meridian’ Season 3 Takes The Perihelion "
    "Past The Edge Of The Map",
    standfirst=(
        "Parallax+ released the first full trailer for the third season of Meridian on Friday, "
        "and it confirms what the finale hinted at: Captain Varro's crew is stranded beyond the "
        "Lantern Line, with no beacons to fall home by."
    ),
    body="""
<p>The wait is over. Parallax+ dropped the first full-length trailer for
<em>Lanternfall: Meridian</em> season 3 during a livestream on Friday evening, and it
picks up right where last season's cliffhanger left the crew of the ASV
<em>Perihelion</em>: adrift in unmapped space after the Hollow Choir snuffed out
the Meridian Beacon.</p>
<p>At just over two minutes, the trailer is heavier on mood than on plot. We see
the ship running on emergency amber, an away team crossing an ice field under a
pale moon, and a long, lingering look at the Choir's vessel, which the show has
until now only ever shown in fragments.</p>
<h2>What the trailer tells us</h2>
<ul>
<li>The <em>Perihelion</em>'s lantern core is running "cold": several shots show it
glowing blue instead of its usual amber, which in <em>Lanternfall</em> lore means
it has lost its lock on a beacon.</li>
<li>Captain Varro (Maren Okafor-Lind) appears to be plotting a course by hand. A
star chart in one shot has no beacons marked on it at all.</li>
<li>Chief Engineer Halloran (Dev Castellanos) and Quillon (Teodor Amsel) share
several scenes in the engine room, hinting at a bigger role for the ship's
navigator this year.</li>
<li>A voice that sounds a great deal like Ottoline Brandt can be heard over the
final shot. Parallax+ has not confirmed any casting.</li>
</ul>
<blockquote><p>"Every light we ever followed was lit by someone else. Out here, we
light our own."</p><p>— Captain Ilse Varro, in the trailer's closing line</p></blockquote>
<p>Showrunner Priya Halvorsen has described the new season as "a survival story
first and a space opera second", and the trailer leans into that. There is far
less of the bright, busy bridge we are used to, and far more of the crew in
cramped, half-lit corridors.</p>
<h2>When and where to watch</h2>
<p>Season 3 premieres on Parallax+ in the US on Thursday, October 15, with new
episodes weekly. Kestrel TV carries it in the UK and Ireland the following day,
and Orbitline has it in Australia and New Zealand. Broadcasters for other
regions have not been announced; we will update this post when they are.</p>
<p>The promotional photos released alongside the trailer are below. Tell us in
the comments what you spotted.</p>
""",
    hero_scene="ship_nebula",
    hero_caption="The ASV Perihelion at the edge of the Lantern Line, from the season 3 trailer.",
    tags=(MERIDIAN, SEASON_3, TRAILERS),
    age=timedelta(days=2, hours=3),
    topic="trailer",
    comment_count=230,
    max_depth=6,
    video_url="https://example.org/watch/meridian-season-3-trailer",
    gallery=(
        GallerySpec(
            "ship_nebula",
            "The Perihelion drops out of its last fall, at the very edge of the Lantern Line.",
            "A long, narrow starship with a glowing amber ring, above a blue planet.",
        ),
        GallerySpec(
            "bridge",
            "Captain Varro (Maren Okafor-Lind) studies a star chart with no beacons on it.",
            "Two silhouettes on a dim bridge in front of a wide viewscreen.",
        ),
        GallerySpec(
            "engine_room",
            "Halloran (Dev Castellanos) and Quillon (Teodor Amsel) in the engine room, where "
            "the lantern core is running cold.",
            "Two figures in a corridor that ends at a pale blue glowing sphere.",
        ),
        GallerySpec(
            "beacon",
            "The Meridian Beacon, dark since the season 2 finale.",
            "A tall lattice tower in space topped by an unlit sphere.",
        ),
        GallerySpec(
            "sickbay",
            "Doctor Marrow (Nadia Prewitt) monitors a patient in sickbay.",
            "Two figures beside a medical bed under a glowing readout.",
        ),
        GallerySpec(
            "ice_world",
            "An away team crosses the surface of an uncharted ice world.",
            "Three small figures on a snowfield beneath a pale moon.",
        ),
        GallerySpec(
            "alien_ship",
            "The Hollow Choir's vessel, seen in full for the first time.",
            "A dark crescent-shaped ship ringed with red lights and thorns.",
        ),
        GallerySpec(
            "lounge",
            "Oduya (Rhea Castellane) and Varro share a quiet moment in the observation lounge.",
            "Two silhouettes at a large window looking out at an orange planet.",
        ),
    ),
)

REVIEW = StorySpec(
    slug="review-meridian-2x10-the-quiet-between-stars",
    title="Review: ‘Meridian’ Season 2 Finale ‘The Quiet Between Stars’ Earns Its Cliffhanger",
    standfirst=(
        "A finale that trusts its cast, takes its time and then pulls the floor out from under "
        "everyone. Spoilers follow."
    ),
    body="""
<p><strong>Spoiler warning:</strong> this review discusses the whole of
<em>Meridian</em> 2x10, "The Quiet Between Stars", including its final scene.</p>
<p>For most of its running time, the season 2 finale is a bottle episode. The
<em>Perihelion</em> sits at the Meridian Beacon waiting for a convoy that never
comes, and the crew have nothing to do but talk. It is the best hour the show
has made.</p>
<h2>What worked</h2>
<ul>
<li>Maren Okafor-Lind's long scene with Nadia Prewitt in sickbay, in which Varro
finally admits she never wanted the command, plays without music and without a
single cut for almost four minutes.</li>
<li>The Hollow Choir remain unseen. We hear them, in the hum that slowly fills
every compartment, and that is far more frightening than any design reveal.</li>
<li>Halloran gets to be funny and scared in the same breath, which Dev Castellanos
has been doing quietly all season.</li>
</ul>
<h2>What didn't</h2>
<p>The subplot about the missing shuttle goes nowhere, and Quillon is once again
left standing at the navigation console with little to do but report bad news.
An android navigator on a show about navigation deserves better.</p>
<blockquote><p>"If the light goes out, we don't wait for it. We remember where it
was."</p></blockquote>
<h2>The ending</h2>
<p>When the beacon finally goes dark, the show does not explain how or why. The
core flickers from amber to blue, the stars outside stop meaning anything, and
the credits roll. It is a brave place to stop, and it sets up a third season
with no map at all.</p>
<p><strong>Verdict: four lanterns out of five.</strong></p>
""",
    hero_scene="bridge",
    hero_caption="Captain Varro on a darkened bridge in ‘The Quiet Between Stars’.",
    tags=(MERIDIAN, SEASON_2, REVIEWS),
    age=timedelta(days=33, hours=5),
    topic="review",
    comment_count=34,
    max_depth=4,
    # Closed once the discussion died down: the page keeps its comments but
    # shows readers that no new ones are taken.
    comments_open=False,
)

RUMOUR = StorySpec(
    slug="rumour-ottoline-brandt-admiral-kade-meridian",
    title="Rumour: Ottoline Brandt In Talks To Return As Admiral Nessa Kade For ‘Meridian’",
    standfirst=(
        "The star of the Classic films is said to be in negotiations for a multi-episode arc. "
        "Nothing is confirmed, so treat this one with a healthy pinch of salt."
    ),
    body="""
<p>Ottoline Brandt, who played Admiral Nessa Kade in all three <em>Lanternfall</em>
Classic films, is in talks to reprise the role in season 3 of <em>Meridian</em>,
according to two people familiar with the production.</p>
<p>Neither Parallax+ nor Brandt's representatives would comment. If it happens,
it would be the first time a Classic-era character has appeared in live action
since the final <em>Deepwatch</em> episode in 2000.</p>
<h2>Why it would make sense</h2>
<ul>
<li>Kade was the admiral who signed off on the original Lantern Line surveys,
and <em>Meridian</em> is about to spend a season beyond that line.</li>
<li>The season 2 finale name-checked the "Kade Protocols" for a ship that loses
its beacon lock.</li>
<li>Brandt has said in interviews that she "never really put the uniform
away".</li>
</ul>
<h2>Why we are cautious</h2>
<p>Rumours of a Kade return have surfaced before every season of the show, and
none has panned out. Filming on season 3 wrapped months ago, so any appearance
would already be in the can, and nobody on set has said a word.</p>
<p>We will update this story if we hear more.</p>
""",
    hero_scene="portrait",
    hero_caption="Who is stepping into the light? Parallax+ is keeping its season 3 guests secret.",
    tags=(MERIDIAN, SEASON_3, CASTING, CLASSIC),
    age=timedelta(days=9, hours=7),
    topic="rumour",
    comment_count=28,
    max_depth=4,
)

EXPLAINER = StorySpec(
    slug="explainer-what-is-a-lantern-core",
    title="Explainer: What Is A Lantern Core, And Why Is The Perihelion's Running Cold?",
    standfirst=(
        "The season 3 trailer's blue glow has fans arguing about thirty-five years of lore. "
        "Here is what the shows have actually established."
    ),
    body="""
<p>If you have only watched <em>Meridian</em>, the lantern core is the big glowing
ring in the middle of the engine room. If you have watched everything since
1987, it is also the single most argued-about piece of technology in the
franchise.</p>
<h2>The short version</h2>
<p>Ships in <em>Lanternfall</em> do not fly faster than light on their own. They
<em>fall</em> from one beacon to the next. The lantern core is the part of the ship
that locks onto a beacon and makes the fall possible. A core with a lock glows
amber; a core without one fades to blue, and the ship can only crawl.</p>
<h2>What each show added</h2>
<ul>
<li><strong>Classic</strong> (1987–1990) introduced cores and beacons, and in
"Embers of Tessaly" showed a ship whose core went cold in hours.</li>
<li><strong>Deepwatch</strong> (1994–2000) was set on a listening station at the
edge of the Line and revealed that beacons can be tuned, and mistuned.</li>
<li><strong>Meridian</strong> (2023–) gave the core a crew of its own in Halloran's
engineering team, and in the season 2 finale showed a beacon being put out.</li>
</ul>
<h2>So why is the Perihelion's core still glowing?</h2>
<p>That is the question. By Classic's rules, a ship beyond the Line should be
dead in space within a day. The trailer shows the <em>Perihelion</em>'s core
running blue but steady. Either the show is quietly changing the rules, or the
crew have found a way to keep a core alive without a beacon, which would be the
biggest change to the franchise's technology in decades.</p>
<blockquote><p>"A lantern doesn't make light. It borrows it."</p><p>— Commander
Jory Stann, Classic 1x04</p></blockquote>
<p>We will find out on October 15.</p>
""",
    hero_scene="core_diagram",
    hero_caption="How a lantern core is laid out, from the focus ring to the beacon lock.",
    tags=(MERIDIAN, SEASON_3, CLASSIC, EXPLAINERS),
    age=timedelta(days=1, hours=6),
    topic="explainer",
    comment_count=22,
    max_depth=3,
)

PREMIERE = StorySpec(
    slug="meridian-season-3-premiere-date",
    title="‘Meridian’ Season 3 Gets An October Premiere, With Kestrel TV And Orbitline "
    "Confirmed Abroad",
    standfirst=(
        "Ten episodes, weekly, from Thursday, October 15. Viewers in the UK, Ireland, Australia "
        "and New Zealand won't have to wait long; everyone else still has questions."
    ),
    body="""
<p>Parallax+ has confirmed that <em>Lanternfall: Meridian</em> returns for its
third season on Thursday, October 15. All ten episodes will be released weekly,
with the finale landing just before the winter holidays.</p>
<h2>Where to watch</h2>
<ul>
<li><strong>United States:</strong> Parallax+, Thursdays.</li>
<li><strong>United Kingdom and Ireland:</strong> Kestrel TV, Fridays.</li>
<li><strong>Australia and New Zealand:</strong> Orbitline, Fridays.</li>
<li><strong>Everywhere else:</strong> not yet announced.</li>
</ul>
<p>Canadian viewers, who watched the first two seasons on Beacon One, are still
waiting for news; the channel told us it is "in conversations".</p>
<p>The announcement came with a short teaser and a title card. A full trailer is
expected in the coming weeks.</p>
""",
    hero_scene="title_card",
    hero_caption="The season 3 title card released with the date announcement.",
    tags=(MERIDIAN, SEASON_3, RELEASE_DATES),
    age=timedelta(days=12, hours=2),
    topic="premiere",
    comment_count=18,
    max_depth=3,
)

CONVENTION = StorySpec(
    slug="beaconfest-deepwatch-reunion-small-hours-renewed",
    title="Beaconfest: ‘Deepwatch’ Cast Reunites On Stage, ‘Small Hours’ Renewed For Season 2",
    standfirst=(
        "Five members of the Deepwatch cast shared a stage for the first time in years, and the "
        "animated night-shift comedy got its renewal in front of a very loud crowd."
    ),
    body="""
<p>The main hall at Beaconfest was full an hour before the <em>Deepwatch</em>
reunion panel started, and the queue for the overflow room went round the
building twice.</p>
<h2>The reunion</h2>
<p>Josephine Adair-Kwan, who played Station Chief Amara Quell, was joined by four
of her former castmates for an hour of stories from the station set, including
the day the entire listening-post console collapsed during a take and the crew
decided to keep it in the episode.</p>
<blockquote><p>"We were a station at the edge of everything, so we all had to hold
hands. Sometimes literally, because the floor was moving."</p><p>— Josephine
Adair-Kwan</p></blockquote>
<h2>Small Hours is coming back</h2>
<p>At the end of the panel, the voice cast of <em>Lanternfall: Small Hours</em>
walked on to announce a second season of the animated comedy about the night
crew of the maintenance tender <em>Moth</em>. No date yet, but the team promised
"more beacons, more mops, and one very confused Choir drone".</p>
<ul>
<li>Season 2 will have ten episodes, up from eight.</li>
<li>A <em>Deepwatch</em> crossover episode was hinted at but not confirmed.</li>
</ul>
""",
    hero_scene="stage",
    hero_caption="The Deepwatch reunion panel on the Beaconfest main stage.",
    tags=(DEEPWATCH, SMALL_HOURS, CONVENTIONS),
    age=timedelta(days=19, hours=4),
    topic="convention",
    comment_count=15,
    max_depth=3,
)

DRAFT = StorySpec(
    slug="interview-priya-halvorsen-engine-room",
    title="Interview: Priya Halvorsen On Building The Perihelion's New Engine Room",
    standfirst="The Meridian showrunner on cold cores, practical sets and why the lights go out.",
    body="""
<p><em>Draft: waiting for the final quotes to be approved.</em></p>
<p>When <em>Meridian</em> returns, the engine room will look very different. We
sat down with showrunner Priya Halvorsen to talk about building it.</p>
<h2>A set you can get lost in</h2>
<p>[Interview text to follow.]</p>
""",
    hero_scene="engine_room",
    hero_caption="The redesigned engine room set for season 3.",
    tags=(MERIDIAN, SEASON_3, INTERVIEWS),
    age=None,
    topic="",
)

SPECIAL = StorySpec(
    slug="review-meridian-special-lamplighters",
    title="Review: ‘Meridian’ Special ‘Lamplighters’ Is A Quiet Hour With A Very Loud Ending",
    standfirst=(
        "The one-off special bridges the season 2 cliffhanger and season 3. Spoilers in the "
        "comments are covered until you mark the special watched."
    ),
    body="""
<p>Parallax+ dropped <em>Lamplighters</em>, a single hour set between the two
seasons, with almost no warning. It follows the lamplighters of the Meridian
Beacon, the maintenance crew nobody on the <em>Perihelion</em> ever thanked,
through the night the Line went dark.</p>
<p>It is a small story, told from the edges: a mess hall, a ladder well, a
radio that only plays static. For forty minutes nothing much happens, and the
special is better for it.</p>
<h2>No spoilers here</h2>
<p>This review stops before the last ten minutes. The discussion below does
not: comments marked as spoiling the special stay covered for you until you
say you've watched it.</p>
<p><strong>Verdict: four lanterns out of five.</strong></p>
""",
    hero_scene="beacon",
    hero_caption="The Meridian Beacon's maintenance ring, where the special takes place.",
    tags=(MERIDIAN, SEASON_2, REVIEWS),
    age=timedelta(days=2, hours=20),
    topic="",
)

# The special is last: the comments planned for the stories before it stay as they were.
STORIES: tuple[StorySpec, ...] = (
    TRAILER,
    REVIEW,
    RUMOUR,
    EXPLAINER,
    PREMIERE,
    CONVENTION,
    DRAFT,
    SPECIAL,
)
