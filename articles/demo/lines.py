"""What the demo's readers say: an original corpus in the fandom's voice.

Readers type the way readers do: shorthand (``**bold**``, ``*italic*``,
``> quote``, `` `code` ``), bare links, emoji, one-word replies and the odd
essay. The text exercises every path of ``comments.sanitize`` on real-looking
content, not just on unit-test strings.

Pools by topic feed top-level comments; ``REPLIES`` and ``SHORT_REPLIES``
answer anything. ``THREADS`` are scripted conversations that need an order
(an argument, a running joke); each entry is ``(depth, username, body)`` in
reading order, and an entry replies to the nearest earlier entry one level up.
``LATE_THREADS`` are still going when the demo is loaded.

The reader features have their own material: spoilers in both syntaxes
(``||text||`` and ``[spoiler]text[/spoiler]``), ``@mentions``, a question
that draws more replies than a page shows at once, and the comments readers
later edit, delete or flag (``EDITS``, ``DELETED_BY_AUTHOR``, ``FLAGS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

ScriptedThread = tuple[tuple[int, str, str], ...]

# Top-level comments that fit under any Meridian article.
GENERAL: tuple[str, ...] = (
    "Is it just me or did the bridge chairs change again? Third design in three seasons.",
    "The Accord insignia has six points now. Classic had five. Nobody has explained the extra "
    "point and I will not rest until someone does.",
    'Every time Halloran says "she\'ll hold" I check how many episodes are left in the season.',
    "Quillon deserves a whole episode. Not a B-plot. A whole episode.",
    "I just want one scene where somebody on this ship eats a proper meal.",
    "Doctor Marrow's gill-frills going flat when she's worried is the best bit of alien "
    "acting on television and I'll hear no argument.",
    "Hot take: the Perihelion is the best-looking ship in the franchise. The Coriolis was a "
    "flying filing cabinet and I say that with love.",
    "Can we talk about how good the sound design has been? The hum of the core in the quiet "
    "scenes is doing half the work.",
    "Does anyone else rewatch Classic before every new season or is that just me and my dad?",
    "The uniforms this season look a lot more practical. Fewer shoulder pads, more pockets. "
    "Finally someone on the costume team has carried a bag.",
    "If the Choir turn out to be misunderstood I'm going to be furious. Some things should "
    "just be scary.",
    "Honestly the best thing about Meridian is that it lets scenes breathe. No one's in a hurry.",
    "Still waiting for an explanation of why the turbolifts on the Perihelion have a carpet.",
    "Whoever decided the ship's computer should have a slight lisp: thank you. It's perfect.",
    "My partner has never watched any of these and asked me to explain the Lantern Line. "
    "Forty minutes later they asked for a diagram. We now have a whiteboard.",
    "Varro is the first captain in the franchise who seems genuinely tired, and I love that "
    "for her.",
    "Oduya has had maybe ten lines this whole run and every one of them has landed.",
    "Not to be that person, but the stars in the viewscreen were moving the wrong way in a "
    "couple of shots last season. Ship's going forward, stars going left. Hmm.",
    "Anyone know if the soundtrack is ever getting a vinyl release? The season 2 end titles "
    "live in my head rent-free.",
    "The slates they use look exactly like the ones from Deepwatch but thinner. Nice touch. "
    "Same prop house, I bet.",
    "Five years ago I would not have believed we'd get three seasons of new Lanternfall. "
    "Whatever the quibbles, I'm grateful.",
    "The way this fandom argues about the colour of a glowing ring is why I love it here.",
    "Genuine question: is the Perihelion the only ship out there, or is the rest of the fleet "
    "stuck too?",
    "Sef Marrow for captain. That's it. That's the comment.",
    "I'd watch a spin-off that is just Halloran's engineering team on the night shift. Oh "
    "wait, that's basically Small Hours.",
    "Classic did stranded-beyond-the-Line in 1988 in three episodes. Curious to see what they "
    "do with ten.",
    "The props department must go through a lot of amber gels.",
    "Rewatching season 1 and the pilot holds up better than I remembered. The shuttle "
    "sequence especially.",
    "A gentle reminder that Quillon has never once been wrong about a heading. Just saying.",
    "That engine room set is the biggest the franchise has ever built, according to the "
    "behind-the-scenes book. You can see the scale in every wide shot.",
    "Is anyone else slightly worried about how much the Choir sounds like whale song?",
    "The writers clearly love the old shows and it shows in the little details: the Deepwatch "
    "call signs, the Coriolis plaque in the mess hall.",
    "I need to know who the ship's cat belongs to. It has been in four episodes. No one has "
    "acknowledged it.",
    "Can we please get a proper map of the Reach? A real one, in an episode, on screen.",
    "Every season I say I'm going to watch weekly and not binge. Every season I last two weeks.",
    "The beacons were always the coolest idea in the franchise. A galaxy held together by "
    "lighthouses.",
    "Shout out to whoever chose the font on the ship's displays. Readable, futuristic, not "
    "trying too hard.",
    "Love that they cast actors who can do comedy. Classic was at its best when it was funny.",
    'My kid calls the Perihelion "the pointy lamp" and honestly, fair.',
    "I will never get over the shuttle bay doors being *manual* in season 2. A crank! In the "
    "future!",
    "Halloran and Marrow arguing about coffee rations is the best running gag in the franchise.",
    "Honest question: does anyone actually understand the Accord's rank insignia?",
    "I keep a notebook of every planet name mentioned in passing. Season 2 added thirty-one.",
    "The opening titles are still the best thing about this show. I never skip them.",
    "Somebody on the writing staff clearly loves Deepwatch and I'm grateful every week.",
    "Varro's ready room has had the same dead plant in it since the pilot. Deliberate? Please "
    "say it's deliberate.",
    "The Perihelion's corridors are so narrow that every walk-and-talk is single file. I love it.",
    "What I want from season 3: one quiet episode where nothing explodes and everyone just talks.",
    "Say what you like about Meridian, it's the first Lanternfall show that looks expensive.",
    "Quillon's little head tilt before bad news is my favourite piece of acting on TV.",
    "Every season the Choir get scarier and we've still barely seen them. That's the trick.",
    "Rewatching with subtitles on. There is *so much* background dialogue I'd missed.",
)

LEAD: tuple[str, ...] = (
    'That last line gave me goosebumps. "Out here, we light our own." Here we go!',
    "The core is BLUE. They actually did it. Classic fans, start your engines.",
    "Two minutes of trailer and I've watched it eleven times. Send help. 🚀",
    "The shot of the away team on the ice is gorgeous. Is that a real location or a volume "
    "stage? The light looks real.",
    "Finally we get to see the Choir ship properly and it's... a crescent with spikes? I "
    "expected something weirder.",
    "Did anyone else notice the star chart has Classic's old grid lines on it? 0:47. Someone "
    "in the art department has the Coriolis handbook.",
    "I'm calling it now: Halloran does not survive this season. The trailer is giving him "
    "way too many meaningful looks.",
    "That voice at the end is 100% Ottoline Brandt. I'd know it anywhere. 🔥",
    "Mood over plot, as promised. I'm fine with that. The mystery is half the fun.",
    "Why is the captain plotting a course with a *pencil*? I love it, I just want to know "
    "where she got a pencil.",
    "October 15 cannot come fast enough.",
    "The music in the second half is a slowed-down version of the Classic theme. Listen at "
    "1:32. I cried a little.",
    "Hmm, I'm cautiously optimistic. Season 2 had a great trailer too, and then spent four "
    "episodes on the shuttle subplot.",
    "Sickbay looks completely redesigned. Softer light, fewer screens. I like it.",
    "Is it me or is the Perihelion missing a fin in the shot at 0:12? Battle damage from the "
    "finale?",
    "They showed us the Choir ship in full in the TRAILER. Bold. Either they have bigger "
    "things to hide or they've got nothing left to hide.",
    "Frame-by-frame breakdown with all the background text translated: "
    "https://example.org/lanternfall/meridian-s3-trailer-frames",
    "Whoever edited this trailer knew exactly what they were doing. The silence before the "
    "last line!",
    "Not a single shot of the bridge at full power. They really are leaning into the "
    "survival angle.",
    "The gallery photo of Oduya and Varro in the lounge is the most I've been emotionally "
    "invested in a still image in years.",
    "Can someone explain to a newbie why everyone is so excited about the core being blue? I "
    "started with Meridian.",
    "I don't know how I feel about the Choir having a ship at all. They were scarier as a sound.",
    "Where is the ship's cat? Four seconds of cat, Parallax+. That's all I ask.",
    "So we're really not getting any new beacons this season? The whole season is in the "
    "dark? That's a brave choice and I'm here for it.",
    "Watched it with the sound up on good headphones. The core hum drops in pitch when it "
    "turns blue. The sound team are geniuses.",
    "Is the ice world the same planet from the season 1 flashback? The moon looks identical.",
    "I paused at 1:05 and there's a name on the sickbay display that isn't any of the main "
    "cast. New crewmember?",
    "Quillon with an actual storyline?! In this economy?",
    "This trailer has more atmosphere than the last two seasons combined. In a good way.",
    "My favourite shot: the corridor with the blue light at the end and the two of them "
    "walking toward it. Poster-worthy.",
    "Genuinely can't tell if the Choir are chasing them or herding them. The way the ship "
    "drifts behind them in the last shot...",
    "Calling it: the blue core is the key to the whole season. They'll learn to fall without "
    "beacons and it'll change the franchise forever.",
    "Long-time reader, first-time commenter. I've been watching since Classic's first run and "
    "this is the first trailer that made me feel like I did in 1987. Thank you for the "
    "gallery, by the way, much easier to look at than pausing the video.",
    'The gallery caption says "seen in full for the first time". Technically we saw its '
    "underside in 2x07. I'll allow it.",
    "I need a high-res version of that engine room still as a wallpaper. Anyone?",
    "Okay but that star chart. Hand-drawn. Varro is plotting the Reach like an ancient "
    "mariner. This is going to be so good.",
    "Season 3 looks like the show finally found out what it's about.",
    "Me at 0:30: this is too dark, I can't see anything.\nMe at 0:31: oh no.\nMe at 0:32: OH NO.",
    "I was not ready for how quiet this trailer is. No big booming music, no explosions. "
    "Just a ship, alone. Brilliant.",
    "Halloran looks exhausted in every single shot. Dev Castellanos is going to carry this "
    "season, I can feel it.",
    "Calm down everyone, it's a trailer. They always look great. Wait for the episodes.",
    "Honestly? A bit underwhelmed. Lots of pretty pictures, very little about what actually "
    "happens. Still watching obviously.",
    "That's not a Choir ship. Look at the lights: they're *Accord* running lights, just red. "
    "Theory: it's one of ours, converted.",
    "Brb, rewatching the season 2 finale for the fourth time.",
    "**The core is blue.** I repeat: **the core is blue.**",
    "Is that a Deepwatch-era comm badge on the new crewmember in sickbay? Look at the shape.",
    "Parallax+ posted the trailer with subtitles in nine languages, so international fans "
    "aren't left out. Nice to see.",
    "What's the song in the middle section? It isn't on the soundtrack album, I checked.",
    'Does "we light our own" mean they\'re going to BUILD a beacon? Out there? With what?',
    "Literally screamed when the Choir ship turned. My neighbours now think I'm in danger.",
    "The practical sets look incredible. You can tell when actors are standing in a real room.",
    "If Halloran and Quillon end up as a double act all season I'll be the happiest viewer alive.",
    "Bit disappointed there's no Small Hours tie-in announced with this. They did one for "
    "season 2.",
    "One thing I love: the ship looks *worn*. Scuffs on the corridor walls, a cracked panel "
    "in sickbay. It's been out there a while.",
    'Trailer music identified: it\'s an original piece called "Cold Lantern". The '
    "composer posted about it: https://example.org/composer/cold-lantern",
)

# Quick reactions to the trailer: the one-liners every busy thread collects.
LEAD_QUICK: tuple[str, ...] = (
    "October can't come fast enough. 🗓️",
    "Goosebumps. Actual goosebumps.",
    "Is the full trailer only on Parallax+ or is it up anywhere else?",
    "🔵🔵🔵",
    "That ice field. 😍",
    "Who else came here straight from the livestream?",
    "Blue core. A pencil. The Choir ship. I need a lie down.",
    "Not crying. You're crying. 🥲",
    "First comment ever on this site. That trailer made me do it.",
    "HALLORAN. My guy.",
    "Did anyone else get chills at the last line, or is it just me?",
    "Quillon's face at 1:14. That's the comment.",
    "Is that snow or ash on the away team's coats? Because that's a big difference.",
    "Okay, who's hosting the premiere watch party?",
    "🚀🏮🚀",
    "The Perihelion looks so small in that last shot. 😢",
    "But is the cat okay??",
    "Watched it at quarter speed. No new clues, just vibes.",
    "Fewer shuttle subplots this year, please. 🙏",
    "That is a very specific blue. Somebody in the grading suite chose it on purpose.",
    "Headphones on, lights off, full screen. Trust me.",
    "Trailer of the year and it isn't close.",
    "Does anyone know if there's an audio-described version?",
    "Me, pretending I won't watch this forty more times: 🙂",
    "Never mind the plot, can we talk about the *lighting*?",
    "Three seasons in and I still can't tell which corridor is which.",
)

REVIEW: tuple[str, ...] = (
    "That four-minute sickbay scene. No music. No cuts. I forgot to breathe.",
    "Four lanterns is fair. I'd have given it five if the shuttle plot had gone anywhere.",
    "The hum! The hum slowly getting louder in every room! Best horror the franchise has "
    "ever done.",
    "I'm with you on Quillon. Give the navigator something to navigate.",
    '"If the light goes out, we don\'t wait for it. We remember where it was." Put it on a mug.',
    "Controversial opinion: the finale was too slow. I love a bottle episode, but forty "
    "minutes of waiting is a lot of waiting.",
    "Whoever lit the scene where the core turns blue deserves an award. Just the light "
    "changing on their faces.",
    "I think the shuttle subplot is a setup for season 3. They don't spend that much time on "
    "something for nothing.",
    "Great review. You put into words exactly why this worked for me.",
    "I'd have loved one glimpse of the Choir. Just one. The tease was getting a bit much by "
    "the end.",
    "Varro admitting she never wanted the command reframes her entire arc. Rewatched season 1 "
    "afterwards and it's all there.",
    'Halloran\'s little "right, well" when the lights went out. Perfect comic timing even in '
    "the bleakest moment.",
    "Finale of the year, easily. And it's up against some strong stuff.",
    "I didn't like it the first time and loved it the second time. Some episodes need you to "
    "know how they end.",
    "Is it confirmed the beacon was put out by the Choir? The episode never actually says so.",
    'The shot of the stars "stopping meaning anything" — the navigation overlay fading from '
    "the viewscreen — is such a clever way to show it.",
    "My only complaint: ending on the credits without a stinger. I need to know they're alive!",
    "Reading this a month later and I'm still thinking about that ending.",
    "The Marrow/Varro friendship is the heart of the show and this episode proves it.",
    "This is the episode I'll show people to get them into Meridian. Not the pilot. This.",
)

RUMOUR: tuple[str, ...] = (
    "I'll believe it when I see her on screen. We've had this rumour every year.",
    "Admiral Kade coming back would be a dream. Nobody delivers an order like Ottoline Brandt.",
    "Filming wrapped months ago, so either she's in it or she isn't. Someone on set would "
    "have leaked by now, surely?",
    '"Two people familiar with the production" — so the caterer and the caterer\'s cousin.',
    "The Kade Protocols name-drop in the finale can't be a coincidence. They're setting "
    "something up.",
    "Please don't let it be a cameo. Give her a proper arc or don't bother.",
    "I'd rather they created new characters than keep reaching back to Classic. Let Meridian "
    "be its own thing.",
    "Okay but imagine Kade and Varro in the same room. Two admirals of being tired.",
    "Brandt was the best thing about the third film and it's not even close.",
    'The "never really put the uniform away" quote is from a 2019 interview. It\'s been '
    "recycled in every rumour since.",
    "If this is true and they kept it secret this long, hats off to the marketing team.",
    "Does anyone else think the voice at the end of the trailer is her? Because I do now.",
    "Casting rumour season is my favourite season. Pure chaos.",
    "As long as they don't de-age her with bad effects, I'm in.",
    "My mum is a huge Brandt fan. If this happens I'm going to have to explain three seasons "
    "of Meridian to her.",
    "Salt taken. Still excited.",
)

EXPLAINER: tuple[str, ...] = (
    "Great explainer. Bookmarking this for the next time my friend asks why everyone cares "
    "about a glowing ring.",
    'Small correction: "Embers of Tessaly" is 1x11, not season 2. The ship was the Lark, '
    "not the Coriolis.",
    'The "borrowed light" line from Stann is the whole franchise in five words.',
    "So if the core can run blue but steady, doesn't that break the whole premise of the "
    "Lantern Line? Why build beacons at all?",
    "Deepwatch did establish that beacons can be tuned. What if the crew tune the core to "
    "something that isn't a beacon? A star, say?",
    "I love that this franchise has hard rules for its FTL. Makes the stakes real.",
    "Thank you for not spoiling anything from the trailer beyond what's in the gallery.",
    "Classic's rules were made up week to week by writers on a deadline. I'm fine with "
    "Meridian tidying them up.",
    "Found the Classic scene where the core goes cold: "
    "https://example.org/archive/classic-1x11-embers-of-tessaly",
    "Now I want an explainer on the Choir. What do we actually know about them?",
    "I've watched everything since 1987 and still learned something here. Nice work.",
    "The blue glow was in the Small Hours pilot too, when the Moth's core was being "
    "serviced. Probably not significant, but fun.",
    "Clear, short and not condescending to newer fans. More of these please.",
    "Interesting that nobody in-universe ever questions who built the first beacon.",
)

PREMIERE: tuple[str, ...] = (
    "Any news for Germany? We had season 2 three months late last time.",
    'Canada here. Beacon One "in conversations" is not filling me with confidence.',
    "UK viewers: Kestrel TV on Fridays means avoiding the internet every Thursday night. Again.",
    "Orbitline on Fridays works for me. That's Friday morning here in Sydney, so basically "
    "the same time as the US.",
    "Weekly release is the right call. Binge drops kill the conversation after a week.",
    "Finale just before the holidays means a cliffhanger over Christmas. Cruel.",
    "Anyone know about South Africa? We never seem to get a mention.",
    "In Brazil we got season 2 on Parallax+ same day as the US. Hoping that's still the case.",
    "That title card is lovely. Simple and confident.",
    "Mark your calendars: 15 October. Mine has been marked since the rumour.",
    "Irish viewer here, delighted we're included by name for once.",
    "Hoping the Japanese release has the same subtitle team as last time. The translations "
    "of the technical dialogue were really good.",
)

CONVENTION: tuple[str, ...] = (
    "I was in the overflow room and it was still electric. Josephine Adair-Kwan is a treasure.",
    "The collapsing console story! I always wondered why that shot in 3x14 wobbles.",
    "Small Hours season 2!!! The Moth crew are back! 🚀🚀🚀",
    '"One very confused Choir drone" is the best tease I\'ve ever heard.',
    "Was the panel recorded? Not everyone can fly to Beaconfest.",
    "Deepwatch was the show that got me through university. Seeing them all together "
    "made me weirdly emotional.",
    "A Deepwatch / Small Hours crossover would be the most chaotic thing ever. Please.",
    "Queue went round the building twice. Can confirm. I was in it. Twice.",
    "Ten episodes of Small Hours instead of eight is excellent news. The jokes per minute "
    "ratio on that show is unreal.",
    "I love how warmly the old cast talk about each other. No drama, just friends.",
    "Small Hours is the most underrated show in the franchise and I'm glad it's getting "
    "another season.",
    "Where's the best place to watch the full panel? The clips on social are all vertical "
    "and cropped.",
)

# Answers to anything; some are written to follow a disagreement, some a joke.
REPLIES: tuple[str, ...] = (
    "Completely agree. Said the same thing to my brother last night.",
    "Hard disagree, but I respect the energy.",
    "You might be onto something here.",
    "I had to rewind to check and you're absolutely right.",
    "Source? Not doubting you, I just want to read it.",
    "This is the kind of detail I come to these comments for.",
    "I thought the exact same thing and assumed I was the only one.",
    "Ha! Never noticed that. Now I can't unsee it.",
    "Username checks out.",
    "Respectfully, no. But I'll be thinking about this all day now.",
    "Okay, you've convinced me. Mostly.",
    "The more I think about it, the more I think you're right.",
    "I see your point, but the show has never been that consistent about it.",
    "That's a really good catch.",
    "I'm going to need you to calm down. (I am also not calm.)",
    "Came here to say exactly this.",
    "Honestly, same.",
    "This deserves a lot more likes than it's got.",
    "I went back and checked: you're right about the timing, wrong about the episode.",
    "I don't think that's what they meant, but I like your version better.",
    "We've been arguing about this since the nineties and we'll be arguing about it in the 2050s.",
    "Fair. Very fair.",
    "That's a generous reading. I hope you're right.",
    "Please write this up somewhere longer, I'd read it.",
    "I laughed way too hard at this.",
    "Not sure I buy it, but it would be a great twist.",
    "This is why I love this community. Someone always knows.",
    "My thoughts exactly, but put better than I could.",
    "Counterpoint: what if it's just a lighting choice?",
    "It's a TV show. Sometimes a prop is just a prop. 😄",
    "Thank you! I was going mad trying to remember where that was from.",
    "Wait, really? I'm going to have to watch that again.",
    "You're overthinking it. I say that as someone who also overthinks it.",
    "Agree on everything except the last bit.",
    "Give it a few episodes before deciding. They've surprised us before.",
    "No notes. Perfect comment.",
    "I think both things can be true.",
    "The writers have said in interviews that they keep a bible for exactly this stuff.",
    "We don't deserve this level of attention to detail.",
    "Oof. That hurt to read, because it's true.",
    "Pretty sure that was deliberate. The director loves that kind of callback.",
    "That's exactly what a Choir sleeper agent would say. 🤨",
    'Noted, and saved for the inevitable "I told you so" in October.',
    "The fact that you remembered that is both impressive and slightly worrying.",
    "I mean, they did the same thing in Deepwatch, so it wouldn't be a first.",
    "Somebody get this person a job in the writers' room.",
    "Hmm. Possibly. I'd want to see it on a bigger screen first.",
    "Ahh, I was wondering about that too! Thanks.",
    "That's the spirit. 🖖",
    "Can't argue with that.",
    "I'm stealing this theory and telling everyone at work it's mine.",
    "Perfectly reasonable nitpick. Doesn't ruin anything, but it's there.",
    "Okay this made me go and check the wiki: "
    "https://example.org/lanternfall/wiki/lantern-core and you're right.",
    "> You might be onto something\n\nI'm always onto something. Whether it's right is "
    "another matter.",
    "Ooh, that would change *everything*.",
    "Thirded.",
    "Same energy as every Classic argument in the letters pages in 1989.",
    "Can we all agree that whatever happens, the cat survives?",
    "You've made me want to rewatch the whole thing. Again.",
    "Not wrong, not wrong at all.",
)

SHORT_REPLIES: tuple[str, ...] = (
    "This.",
    "Agreed",
    "lol",
    "Same.",
    "😂",
    "🖖",
    "🔥🔥🔥",
    "❤️",
    "Yes!",
    "Ha!",
    "Exactly.",
    "100%",
    "Truth.",
    "Oof.",
    "Nope.",
    "This is the way.",
    "Seconded.",
    "lmao",
    "🚀",
    "Underrated comment.",
    "Bingo.",
    "😂😂😂",
    "Facts.",
    "Wow.",
    "Ouch. Accurate though.",
    "Preach.",
    "Agreed!!",
    "Oh no 😂",
)

_A = "canon_keeper"
_B = "vibes_not_canon"

# The lead article's long-running canon fight, two readers alternating down to
# mptt level 10, with bystanders chiming in on the way.
CANON_ARGUMENT: ScriptedThread = (
    (
        0,
        _A,
        "Right, I'll say it. A lantern core cannot run blue and steady. Classic 1x11 "
        '"Embers of Tessaly" is explicit: without a beacon lock the core goes dark in hours. '
        "That's not a vibe, that's *canon*.",
    ),
    (
        1,
        _B,
        "It was 1988. The core on that set was a hula hoop wrapped in fairy lights. I think "
        "the show is allowed to refine things after thirty-five years.",
    ),
    (
        2,
        _A,
        '"Refine" is a funny word for "ignore". Either the rules mean something or they '
        "don't. If a core can just keep going, why has every captain in the franchise been "
        "terrified of losing a lock?",
    ),
    (
        3,
        _B,
        "Because nobody *tried* before! That's literally the premise of the season. "
        '"Out here, we light our own." They\'re doing something new.',
    ),
    (
        4,
        _A,
        "Doing something new with what? Halloran's team has the same hardware as any ship in "
        "the fleet. The Coriolis handbook lists the decay time: "
        "https://example.org/archive/coriolis-handbook-1988 page 41.",
    ),
    (
        5,
        _B,
        "A tie-in handbook. Written by a freelancer. Which you have always said doesn't count "
        "when it suits you. 😂",
    ),
    (
        6,
        _A,
        "The handbook was approved by the Classic producers and the decay time is quoted "
        "on screen in 1x11. On screen. I have the episode open right now.\n\n"
        '> Stann: "How long?"\n> Engineer: "Six hours. Maybe seven."\n\n'
        "There it is.",
    ),
    (
        7,
        _B,
        "And in Deepwatch 5x02 a beacon kept a ship's core warm from two sectors away, which "
        "breaks your \"hours\" rule entirely. Canon isn't one episode, it's the whole thing. "
        "It contradicts itself constantly.",
    ),
    (
        8,
        _A,
        "5x02 is the *tuning* episode. The core still had a lock, just a weak one. That's "
        "completely consistent with 1x11. You're making my point for me.",
    ),
    (
        9,
        _B,
        "Okay. So what if the Perihelion still has a weak lock? On a beacon nobody knows "
        "about? Then the trailer is consistent AND interesting. Everybody wins.",
    ),
    (
        10,
        _A,
        "...fine. That would actually work. I hate that it works. Truce until October 15, "
        "but I'm keeping a list. 🖖",
    ),
    (4, "hyperlane_sandwich", "Grab the popcorn, folks, we've got a live one. 🍿"),
    (6, "lumen_lily", "lol you two"),
    (8, "the_real_quillon", "This is the best thread on the whole site."),
    (9, "oldcoriolis", "The hula hoop was actually a bicycle wheel. I was on that set tour."),
)

# Nitpicks about props and sets, answered by people who know the prop house.
PROPS_THREAD: ScriptedThread = (
    (
        0,
        "propmaster_pete",
        "Prop watch, season 3 trailer edition:\n\n"
        "1. The sickbay monitor at 1:05 is a repainted Deepwatch medical panel. Same screw "
        "pattern.\n"
        "2. The captain's pencil is a **real** drafting pencil, not a prop. Brand filed off.\n"
        "3. The engine room railings are new. Brushed steel, not the grey plastic of "
        "seasons 1-2.\n\n"
        "Overall: the set budget went up. Good.",
    ),
    (1, "perihelion_pilot", "Pete, you're a national treasure. How do you spot screw patterns?"),
    (
        2,
        "propmaster_pete",
        "Twenty years of freeze-framing and a garage full of replica slates. It's a curse.",
    ),
    (3, "bulkhead_bea", "Post pictures of the garage or it didn't happen."),
    (
        4,
        "propmaster_pete",
        "Ha, fine: https://example.org/gallery/petes-garage-slates (the Coriolis one on the "
        "left took me two years).",
    ),
    (5, "bulkhead_bea", "Oh wow. That is dedication. ❤️"),
    (
        1,
        "nebulanerd",
        "Reusing the Deepwatch panel is a lovely bit of continuity, intended or not.",
    ),
    (
        2,
        "vibes_not_canon",
        "Or the prop house just had it lying around. Both can be true. 😄",
    ),
    (1, "midnight_rewatch", "The pencil thing is so specific and I love it."),
)

# A reader abroad asks; others and the editor answer.
ABROAD_THREAD: ScriptedThread = (
    (
        0,
        "dunedin_viewer",
        "Any confirmation that Orbitline gets it in New Zealand the *same* day as Australia? "
        "Last season we were a week behind for the first two episodes.",
    ),
    (
        1,
        "orbitline_olly",
        "They've said ANZ together this time. Same app, same drop. Should be Friday morning "
        "for both of us.",
    ),
    (2, "dunedin_viewer", "Brilliant, thank you! No more dodging spoilers for a week."),
    (
        1,
        "editor",
        "Editor here: Orbitline confirmed to us that Australia and New Zealand get each "
        "episode at the same time, Friday 8am AEDT. We'll add it to the post.",
    ),
    (2, "dunedin_viewer", "Thanks Rosa! 🖖"),
    (
        2,
        "kestrel_tv_sufferer",
        "Any chance of getting Kestrel TV to move the UK release to Thursday night? Asking "
        "for the whole of Britain.",
    ),
    (
        3,
        "editor",
        'We asked. They said "not this season". Sorry! Mute the keywords on Thursdays.',
    ),
    (4, "kestrel_tv_sufferer", 'Muting "lantern", "core", "blue" and "Halloran". Wish me luck.'),
    (5, "hyperlane_sandwich", 'Also mute "pencil". Trust me.'),
)

# A running joke that keeps going deeper than anyone intended.
PUN_CHAIN: ScriptedThread = (
    (0, "hyperlane_sandwich", "Halloran in the engine room be like `if beacon is None: panic()`"),
    (1, "the_real_quillon", "`except ChoirError: pass` 😂"),
    (2, "cadet_ravi", 'Quillon reviewing this code: "heading unchanged, morale decreasing"'),
    (3, "hyperlane_sandwich", "The ship's computer: *lisps in disapproval*"),
    (4, "lumen_lily", 'Varro, with the pencil: "I\'ll do it myself"'),
    (5, "nebulanerd", "Marrow's gill-frills going flat at all of this."),
    (6, "greyjumper", "The ship's cat, walking across the keyboard: `rm -rf /beacons`"),
    (7, "hyperlane_sandwich", "That's how the Meridian Beacon went out. Canon now."),
    (8, "canon_keeper", "I'll allow it."),
    (9, "vibes_not_canon", "Wait, so you DO accept new canon? 👀"),
)

# A long reply from a long-time viewer: the multi-paragraph kind.
ESSAY_THREAD: ScriptedThread = (
    (
        0,
        "oldcoriolis",
        "I watched the first episode of Classic when it aired, on a television with a dial, "
        "in my parents' front room. I was eleven.\n\n"
        "What I loved then, and what I think this trailer understands, is that the show was "
        "never really about the ships. It was about people a very long way from home, being "
        "kind to each other because there was nobody else to be kind to them.\n\n"
        "Meridian has sometimes forgotten that in its hurry to be big. This trailer is small. "
        "A pencil. A chart. Two people at a window. I'm more excited than I've been in "
        "years.",
    ),
    (1, "margo_watches", "This is lovely. Thank you for writing it."),
    (
        1,
        "mapmaker_june",
        "> people a very long way from home, being kind to each other\n\n"
        "That's it exactly. That's the franchise in one line.",
    ),
    (2, "oldcoriolis", "Well, I had thirty-five years to think about it. ❤️"),
    (1, "firstwatch_finn", "Agreed"),
)

# A milder disagreement under the review, and a rumour sceptic being answered.
REVIEW_THREAD: ScriptedThread = (
    (
        0,
        "greyjumper",
        "Sorry, but four lanterns is generous. The shuttle plot took up a third of the "
        "episode and went nowhere.",
    ),
    (
        1,
        "sef_marrow_stan",
        "A third? It was maybe eight minutes. And the sickbay scene alone is worth five lanterns.",
    ),
    (2, "greyjumper", "Eight minutes of nothing in a finale is a lot of nothing."),
    (
        3,
        "sef_marrow_stan",
        "Agree to disagree. I'll come back and gloat when the shuttle turns up in season 3.",
    ),
    (4, "greyjumper", "Deal. 🖖"),
)

RUMOUR_THREAD: ScriptedThread = (
    (
        0,
        "retrofan_1987",
        'Every. Single. Year. "Brandt in talks." I\'ve been reading this headline since '
        "Deepwatch was on the air.",
    ),
    (1, "starchart_sam", "To be fair, this time there's a voice in the trailer."),
    (
        2,
        "retrofan_1987",
        'A voice that "sounds like" her. Could be anyone with a posh accent and a cold.',
    ),
    (3, "lumen_lily", "lol"),
    (
        2,
        "editor",
        "For what it's worth, we only ran this because two separate people told us the same "
        "thing independently. We still flagged it as a rumour.",
    ),
    (3, "retrofan_1987", "Fair enough, and appreciated. I'll be over here, hoping quietly."),
)

# Questions with their answers. An empty username lets the planner pick a
# reader (whoever happened to know); below the answer, it is the one who asked.
EXPLAINER_QA: tuple[ScriptedThread, ...] = (
    (
        (0, "", 'The diagram is great. Is the "ember chamber" canon or from the technical manual?'),
        (
            1,
            "",
            "It's from the 1991 technical manual, but it's mentioned on screen once, in "
            "Deepwatch 4x09. So: canon, just barely.",
        ),
        (2, "", "Thank you! Off to rewatch 4x09."),
    ),
    (
        (
            0,
            "",
            'The bit about the ship only being able to "crawl" without a lock: how slow is a '
            "crawl? Are we talking years between stars?",
        ),
        (
            1,
            "oldcoriolis",
            'In Classic a crawl was "a lifetime between lights". So, yes. Very slow.',
        ),
    ),
)

PREMIERE_QA: tuple[ScriptedThread, ...] = (
    (
        (0, "", "Ten episodes! Up from eight? Or was season 2 ten as well?"),
        (1, "", "Season 2 was ten. Season 1 was eight."),
        (2, "", "Ah, thanks. Still, ten is ten. 🚀"),
    ),
    (
        (
            0,
            "",
            "Does Parallax+ release at midnight Eastern or in the morning? Asking for my sleep "
            "schedule.",
        ),
        (1, "", "It was 3am Eastern for season 2, which made it a decent evening slot in Europe."),
    ),
)

RUMOUR_QA: tuple[ScriptedThread, ...] = (
    (
        (
            0,
            "",
            "How old would Kade be by now in-universe? The films were set what, sixty years "
            "before Meridian?",
        ),
        (
            1,
            "",
            "Kade would be ancient. Unless it's a recording, a flashback, or a hologram. Which "
            "would be a cop-out.",
        ),
        (
            2,
            "",
            "The Veyl live for centuries, and Kade was half Veyl in the third film. Just saying.",
        ),
    ),
    (
        (0, "", "Wasn't Kade killed off in a tie-in novel? Or does that not count?"),
        (
            1,
            "canon_keeper",
            "Tie-in novels don't count. Show canon only. That's always been the rule.",
        ),
        (2, "vibes_not_canon", "Except when the handbook suits you. 😂"),
    ),
)

CONVENTION_QA: tuple[ScriptedThread, ...] = (
    (
        (0, "", "Did anyone ask about a Deepwatch revival? Or was that off the table?"),
        (1, "", "Someone asked and Adair-Kwan just smiled. Make of that what you will."),
        (2, "", "Oh, that smile means something. It has to."),
    ),
)

# --- Reader features --------------------------------------------------------

# One question, many short answers: more replies than a page shows at once.
FIRST_SHOW_POLL: ScriptedThread = (
    (
        0,
        "midnight_rewatch",
        "Quick poll while we wait: which Lanternfall show did you start with? I'll go first: "
        "Meridian, last spring, and I've been working backwards ever since.",
    ),
    (1, "oldcoriolis", "Classic, first run. You know the rest. 📺"),
    (
        1,
        "retrofan_1987",
        "Classic, on VHS tapes my uncle recorded off the telly. Adverts and all.",
    ),
    (
        1,
        "dunedin_viewer",
        "Deepwatch reruns on a Sunday morning. Station Chief Quell was my first hero.",
    ),
    (
        1,
        "cadet_ravi",
        "The Meridian pilot, six months ago. I am now *extremely* normal about this.",
    ),
    (1, "lumen_lily", "Small Hours! My little brother put it on and I fell for the Moth crew."),
    (1, "tessellate", "Deepwatch season 3. Started in the middle and worked it out as I went."),
    (
        1,
        "starchart_sam",
        "The third Classic film, at a drive-in. Understood nothing. Loved every minute.",
    ),
    (
        1,
        "margo_watches",
        "Meridian season 2, because my partner would not stop talking about Varro.",
    ),
    (1, "firstwatch_finn", "Classic, because it was the only thing on at six o'clock."),
    (1, "bulkhead_bea", "This trailer, technically. Where do I even start?"),
    (
        2,
        "propmaster_pete",
        "@bulkhead_bea Classic 1x01, then Deepwatch from season 2, then Meridian. Skip the "
        "first half of Classic season 3. Trust me.",
    ),
    (3, "bulkhead_bea", "Saving this. Thank you, Pete! 🖖"),
    (1, "greyjumper", "Deepwatch. Still the best one. Fight me. 🖖"),
    (
        1,
        "nebulanerd",
        "Small Hours, then Meridian, then Classic. Completely backwards, no regrets.",
    ),
    (1, "orbitline_olly", "Meridian, the day it came out in Australia. A day late, obviously."),
    (
        1,
        "kestrel_tv_sufferer",
        "Classic repeats on Kestrel in the nineties. Same channel, same delays.",
    ),
    (1, "the_real_quillon", "Deepwatch. Beep."),
    (1, "sef_marrow_stan", "Meridian. Stayed for Doctor Marrow. Obviously."),
)

# Season 2's ending, discussed behind spoiler marks in both syntaxes.
FINALE_SPOILERS: ScriptedThread = (
    (
        0,
        "kestrel_tv_sufferer",
        "Polite request from those of us still catching up on the season 2 finale: please hide "
        "anything about how it ended. Two bars either side, `||like this||`, and it stays "
        "blurred until someone clicks it. Thank you! 🙏",
    ),
    (
        1,
        "nebulanerd",
        "Good shout. For those who have seen it: ||the shutdown command on Halloran's console "
        "in the last minute comes from *inside* the Perihelion. The Choir didn't put the "
        "beacon out. Someone on board did.||",
    ),
    (
        2,
        "canon_keeper",
        "[spoiler]If someone aboard put the beacon out on purpose, then a blue core isn't a "
        "malfunction. It's the plan.[/spoiler] Which, annoyingly, fixes my whole canon problem.",
    ),
    (3, "vibes_not_canon", "@canon_keeper see? The show knows what it's doing. 😌"),
    (2, "kestrel_tv_sufferer", "Thank you for hiding it! Clicked anyway. Regret nothing. WHAT."),
)

# Its author thinks better of it and deletes it; the answers stay under "[deleted]".
RECYCLED_FOOTAGE = (
    "Hate to be that guy, but half this trailer is recycled season 1 footage. The corridor, "
    "the ice, the bridge. Lazy."
)
RECYCLED_THREAD: ScriptedThread = (
    (0, "greyjumper", RECYCLED_FOOTAGE),
    (
        1,
        "propmaster_pete",
        "Which shots? The corridor has the new brushed-steel railings, the ice field is a new "
        "location, and there's no bridge footage in it at all.",
    ),
    (2, "greyjumper", "Yeah, fair. I was thinking of the season 2 teaser. Ignore me. 🤦"),
    (3, "hyperlane_sandwich", "Respect for owning it. 🖖"),
    (
        1,
        "mapmaker_june",
        "The only older shot is the flyby at 0:12, and even that has the missing fin. New render.",
    ),
)

# An unmarked spoiler and an off-topic ad: the moderation queue's usual business.
LEAKED_TITLES = (
    'Leaked episode list going round says episode 9 is called "The Last Lantern" and the '
    'finale "Home Light". Draw your own conclusions.'
)
LEAK_THREAD: ScriptedThread = (
    (0, "the_real_quillon", LEAKED_TITLES),
    (1, "kestrel_tv_sufferer", "Mate. Spoiler bars. It's literally two keys. 😩"),
)
BEACONFEST_TICKET = (
    "Anyone selling a Beaconfest Saturday pass? Will pay face value. Sorry, I know this isn't "
    "the place."
)
TICKET_THREAD: ScriptedThread = ((0, "firstwatch_finn", BEACONFEST_TICKET),)

# Readers calling on the readers who would know.
CHAIR_COUNT: ScriptedThread = (
    (
        0,
        "cadet_ravi",
        "@propmaster_pete what's the chair count this season? I know you've counted.",
    ),
    (
        1,
        "propmaster_pete",
        "Four bridge chairs, all new, none matching season 2. The captain's has a *cupholder*. "
        "I'm not okay.",
    ),
    (2, "cadet_ravi", "A cupholder. On a starship. Incredible. 😂"),
)
STAR_CHART_REQUEST: ScriptedThread = (
    (0, "lumen_lily", "@mapmaker_june please tell me you're going to redraw Varro's star chart."),
    (1, "mapmaker_june", "Already started. Pencil only, out of respect. ✏️"),
)

# The finale review is the place for season 2 spoilers, tagged all the same.
REVIEW_SPOILERS: ScriptedThread = (
    (
        0,
        "midnight_rewatch",
        "Only halfway through season 2, so I read this with one eye closed. Anything I should "
        "prepare for? No spoilers!",
    ),
    (
        1,
        "sef_marrow_stan",
        "Just keep going. And have tissues ready for ||the sickbay scene in the finale||.",
    ),
    (
        2,
        "margo_watches",
        "[spoiler]Watch Marrow's gill-frills go flat before Varro says a word. That's when I "
        "knew what was coming.[/spoiler]",
    ),
    (3, "midnight_rewatch", "Hovering over these like a bomb. Not clicking. Not clicking."),
)

# A claim its author withdraws, leaving the reply to it in place.
COUSIN_SOURCE = (
    "My cousin does catering for Parallax+ and says Brandt filmed four episodes. Can't say more."
)
RUMOUR_RETRACTED: ScriptedThread = (
    (
        0,
        "hollow_choir_apologist",
        "Hear me out: what if Kade comes back because she's been talking to the Choir all along?",
    ),
    (1, "tessellate", COUSIN_SOURCE),
    (2, "canon_keeper", "If that's true, your cousin should probably stop telling people."),
    (1, "retrofan_1987", "She signed off the Line surveys. Of course she knows something."),
)


@dataclass(frozen=True)
class LateThread:
    """A conversation still going when the demo is loaded: it starts ``ago`` before then."""

    ago: timedelta
    thread: ScriptedThread


# The editor's latest post: the answers arrive after their last visit, so the
# demo's staff login opens on unread notifications and new comments.
EDITOR_UPDATE: ScriptedThread = (
    (
        0,
        "editor",
        "Editor here with an update: we've added the Kestrel TV and Orbitline dates to the post "
        "and captioned every photo in the gallery. Still nothing official for Canada or most of "
        "Europe. If your broadcaster has said anything, tell us below and we'll chase it up.",
    ),
    (
        1,
        "margo_watches",
        "Beacon One posted this morning: they have it from October 16, a day after the US. "
        "Canada is back! 🎉",
    ),
    (
        1,
        "tessellate",
        'Germany: the Parallax+ app now lists it as "coming October 15". Nothing official, but '
        "that's new.",
    ),
    (
        2,
        "starchart_sam",
        "Same in the Netherlands. Looks like a much wider rollout than last year.",
    ),
    (
        1,
        "cadet_ravi",
        "Any word on India? Last season it turned up on a different service three weeks later.",
    ),
)
SPOILER_FREE_REQUEST: ScriptedThread = (
    (
        0,
        "kestrel_tv_sufferer",
        "@editor will the episode 1 review stay spoiler-free until Friday? Some of us are a day "
        "behind on Kestrel and this is my one safe website.",
    ),
    (1, "dunedin_viewer", "Seconding this from New Zealand, even if we're only hours behind."),
)
TRAILER_LINK: ScriptedThread = (
    (
        0,
        "propmaster_pete",
        "@editor small thing: the video link at the top of the post goes to the August teaser, "
        "not the full trailer. Same thumbnail, easy mistake.",
    ),
)
# Posted minutes before the demo loads, so its author can still edit it (the
# service allows that only briefly) after the correction below.
STAR_CHART = (
    "Just watched it on the big TV: the star chart at 0:47 has the Tessaly system on it, in "
    "the same place as the old Classic maps. That's not an accident."
)
STAR_CHART_EDITED = (
    "Just watched it on the big TV: the star chart at 0:49 has the Tessaly system on it, in "
    "the same place as the old Classic maps. That's not an accident.\n\n"
    "Edit: 0:49, not 0:47. Thanks @mapmaker_june!"
)
STAR_CHART_THREAD: ScriptedThread = (
    (0, "lumen_lily", STAR_CHART),
    (
        1,
        "mapmaker_june",
        "0:49 on the Parallax+ upload, I think; 0:47 is the corridor. But yes! Tessaly, right "
        "where the 1988 atlas puts it. 🗺️",
    ),
)

# What readers did to a comment after posting it, by its exact text (which
# must appear once among the scripted threads).
EDITS: dict[str, str] = {STAR_CHART: STAR_CHART_EDITED}
DELETED_BY_AUTHOR: tuple[str, ...] = (RECYCLED_FOOTAGE, COUSIN_SOURCE)
# (flagged text, reader, reason, what they told the moderators)
FLAGS: tuple[tuple[str, str, str, str], ...] = (
    (
        LEAKED_TITLES,
        "kestrel_tv_sufferer",
        "spoiler",
        "Leaked episode titles with no spoiler bars. Please hide them.",
    ),
    (LEAKED_TITLES, "dunedin_viewer", "spoiler", ""),
    (
        BEACONFEST_TICKET,
        "canon_keeper",
        "off_topic",
        "Ticket swap, nothing to do with the trailer.",
    ),
)

TOPICS: dict[str, tuple[str, ...]] = {
    "trailer": LEAD + LEAD_QUICK,
    "review": REVIEW,
    "rumour": RUMOUR,
    "explainer": EXPLAINER,
    "premiere": PREMIERE,
    "convention": CONVENTION,
}

THREADS: dict[str, tuple[ScriptedThread, ...]] = {
    "trailer": (
        CANON_ARGUMENT,
        PROPS_THREAD,
        ABROAD_THREAD,
        PUN_CHAIN,
        ESSAY_THREAD,
        FIRST_SHOW_POLL,
        FINALE_SPOILERS,
        RECYCLED_THREAD,
        LEAK_THREAD,
        TICKET_THREAD,
        CHAIR_COUNT,
        STAR_CHART_REQUEST,
    ),
    "review": (REVIEW_THREAD, REVIEW_SPOILERS),
    "rumour": (RUMOUR_THREAD, *RUMOUR_QA, RUMOUR_RETRACTED),
    "explainer": EXPLAINER_QA,
    "premiere": PREMIERE_QA,
    "convention": CONVENTION_QA,
}

# Only Meridian articles draw on the general pool; the convention piece is
# about other shows.
USES_GENERAL: frozenset[str] = frozenset({"trailer", "review", "rumour", "explainer", "premiere"})

LATE_THREADS: dict[str, tuple[LateThread, ...]] = {
    "trailer": (
        LateThread(timedelta(hours=3), EDITOR_UPDATE),
        LateThread(timedelta(minutes=100), SPOILER_FREE_REQUEST),
        LateThread(timedelta(minutes=45), TRAILER_LINK),
        LateThread(timedelta(minutes=6), STAR_CHART_THREAD),
    ),
}
