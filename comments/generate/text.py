"""What the generated readers say: a pool of bodies composed from fixed fragments.

One-word replies and essays, shorthand, emoji, links, quotes and
``||spoilers||``. The pool is finite so that each distinct body is sanitized
once, however many comments use it (``sanitize_comment`` is most of the cost
of a comment).
"""

from __future__ import annotations

import random

from comments.sanitize import normalize

BODY_POOL = 1500

SHORT = (
    "This.",
    "Agreed.",
    "lol",
    "Came here to say this.",
    "Exactly!",
    "Source?",
    "Hard disagree.",
    "Same.",
    "Underrated comment.",
    "+1",
    "Ha! Fair.",
    "Not sure about that…",
    "Make it so.",
    "Fascinating.",
    "*Engage.*",
    "`citation needed`",
    "Wait, really?",
    "Nope.",
    "100% this",
    "Thank you! Finally someone said it.",
    "**Yes.**",
    "I laughed way too hard at this",
    "Oh no.",
    "Can confirm.",
    "That's… actually a good point.",
    "Counterpoint: no.",
    "Chef's kiss.",
    "Bold of you to assume the writers planned that far ahead.",
    "ok but *why*",
    "Noted!",
)
SENTENCES = (
    "The ending of that episode still gets me every time.",
    "I rewatched the whole season last weekend and it holds up better than I remembered.",
    "Honestly the *pacing* was off in the middle act, but the last ten minutes saved it.",
    "The captain's speech in the finale is the best scene the show has done.",
    "Nobody talks about the sound design enough: the hum of the engines does half the work.",
    "I ~~hated~~ loved the new uniforms once I saw them in motion.",
    "The science officer deserves a whole episode, not just a B-plot.",
    "That shot of the ship drifting past the nebula was **gorgeous**.",
    "I'm not convinced the timeline in this episode actually works.",
    "The first season was rough, but it found its feet by the midseason two-parter.",
    "Every time someone says the shields will hold, I check how many minutes are left.",
    "The chief engineer's one-liners are carrying the whole show right now.",
    "Did anyone else notice the bridge set was redressed from last season?",
    "This is exactly why I keep telling people to start with season two.",
    "I think the writers are setting up something big for the finale.",
    "The villain finally has a motive that makes sense, and it's about time.",
    "My partner doesn't even like science fiction and she binged all of it.",
    "The score in the cold open is doing some *very* heavy lifting.",
    "It's a character piece disguised as an action episode, and I'm here for it.",
    "I'd happily watch a whole series that's just the crew in the mess hall.",
    "The practical effects in the cave scene looked better than most of the CGI.",
    "Maybe I'm alone here, but the B-plot was the stronger story.",
    "The doctor's bedside manner is the funniest running joke on the show.",
    "That cliffhanger is going to make the wait until autumn *unbearable*.",
    "The continuity nerds are going to have a field day with that stardate.",
    "Half the fun is watching the cast clearly enjoy themselves.",
    "The trailer gave away way too much, as usual.",
    "I've changed my mind about the first officer three times this season.",
    "The alien makeup has come a long way since the early days.",
    "The episode title is a reference to the original pilot, which is a lovely touch.",
    "It's not perfect, but it's the most fun I've had with the franchise in years.",
    "The **transporter** accident plot is a classic for a reason.",
    "Can we get a spin-off for the two ensigns from the cargo bay scene?",
    "The dialogue in the briefing room felt like it was written by a committee.",
    "Watching it with subtitles on, you catch so many throwaway lines.",
    "I think the show works best when it slows down and lets scenes breathe.",
    "The fight choreography was a lot better than last season's.",
    "That guest star was wasted in such a small role.",
    "The holodeck episodes are always either brilliant or terrible, no middle ground.",
    "The cinematography in the desert planet scenes was stunning.",
    "The new ship's interior finally feels like somewhere people actually live.",
    "I had to pause it twice just to process that twist.",
    "Nitpick: the shuttle couldn't possibly have made it there in a day.",
    "It reminds me of the best of the old anthology episodes.",
    "The cast chemistry is what keeps me coming back.",
    "You can tell which episodes had the bigger budget.",
    "The politics subplot is finally getting interesting.",
    "I appreciate that the show trusts its audience to keep up.",
    "The season arc has been a slow burn, but it's paying off now.",
    "The comedy episode was a welcome break after three heavy ones in a row.",
)
SPOILERS = (
    "Don't read this if you haven't seen the finale: ||the captain doesn't make it||.",
    "The twist at the end? ||It was the admiral all along.||",
    "Spoiler for the midseason episode: ||the ship gets destroyed and they switch to a new one||.",
    "I called it in week one: ||the doctor is a changeling||.",
    "Anyone else cry when ||the engineer stayed behind to seal the breach||?",
    "Minor spoiler: ||the old captain has a cameo in the last scene||.",
    "||They bring back the time-travel plot||, which is either brilliant or a disaster.",
    "Heads up, ||the cliffhanger isn't resolved until next season||.",
)
LINKS = (
    "There's a good write-up at https://example.org/reviews/season-finale about it.",
    "The production notes are here: https://example.com/behind-the-scenes/ship-design",
    "Interview with the showrunner: https://example.net/interviews/showrunner-2025",
    "Relevant: https://example.org/wiki/Episode_42",
    "Someone made a timeline of every stardate: https://example.com/timeline",
    "The score is on the soundtrack album, https://example.net/music/season-3 if you're curious.",
)
EMOJI = (" 🖖", " 🚀", " 😂", " 👍", " ✨", " 🤔", " 😭", " 🙌", " 👀", " 🔥")
OPENERS = (
    "Honestly, ",
    "Okay, hear me out: ",
    "Hot take: ",
    "Maybe unpopular, but ",
    "I keep thinking that ",
    "For what it's worth, ",
    "",
    "",
    "",
    "",
)
TOP_KINDS = {"short": 4, "one": 30, "two": 30, "long": 20, "spoiler": 9, "link": 7}
REPLY_KINDS = {"short": 35, "one": 28, "two": 15, "long": 7, "quote": 9, "spoiler": 3, "link": 3}


class Bodies:
    """A pool of comment texts for top-level comments and one for replies.

    A finite pool, so the HTML of each text is worked out once however many
    comments use it; mentions make a few more texts, cached the same way.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.top = [self._compose(TOP_KINDS) for _ in range(BODY_POOL)]
        self.replies = [self._compose(REPLY_KINDS) for _ in range(BODY_POOL)]

    def _sentence(self) -> str:
        rng = self.rng
        sentence = rng.choice(SENTENCES)
        opener = rng.choice(OPENERS)
        if opener:
            sentence = opener + sentence[0].lower() + sentence[1:]
        return sentence

    def _compose(self, kinds: dict[str, int]) -> str:
        rng = self.rng
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        if kind == "short":
            text = rng.choice(SHORT)
        elif kind == "one":
            text = self._sentence()
        elif kind == "two":
            text = f"{self._sentence()} {rng.choice(SENTENCES)}"
        elif kind == "long":
            paragraphs = [
                " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 4)))
                for _ in range(rng.randint(2, 4))
            ]
            if rng.random() < 0.3:
                paragraphs.append(f"**tl;dr:** {rng.choice(SHORT)}")
            text = "\n\n".join(paragraphs)
        elif kind == "quote":
            text = f"> {rng.choice(SENTENCES)}\n\n{self._sentence()}"
        elif kind == "spoiler":
            text = f"{rng.choice(SPOILERS)} {rng.choice(SENTENCES)}"
        else:
            text = f"{self._sentence()}\n{rng.choice(LINKS)}"
        if rng.random() < 0.15:
            text += rng.choice(EMOJI)
        return normalize(text)
