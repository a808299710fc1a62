"""Session 20's English reproach shapes (agents/analyze/reproach.py): a retort opened by "well" and
closed by a question tag, an ultimatum "... or not?", the caller's expectation asked back ("what do
you expect me to do"), and the caller's loss belittled ("it's only a few quid", "it's not like we
lost it"). Each rude line has a courteous near-twin that must stay clean. The lines are written for
these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.reproach import reproach


@pytest.mark.parametrize(("rude", "courteous"), [
    # a retort with a tag / a checking tag, or a consoling one
    ("Well, you'd know, wouldn't you?", "You're the one who booked it, aren't you?"),
    ("Well, boilers do break in the cold, don't they.", "Well, you're both safe, that's the main thing, isn't it?"),
    ("Yeah, well, the parcel didn't lose itself, did it.", "The parcel's with the depot now, isn't it?"),
    # an ultimatum / a choice between two things
    ("Do you want me to cancel it or not?", "Do you want the morning slot or the afternoon one?"),
    ("Are you paying today or not?", "I'll check whether or not the refund has cleared."),
    # the caller's expectation asked back / a promise
    ("I honestly don't know what you expect me to do about that.", "You can expect me to ring you back by five."),
    ("What do you expect us to say, it's the rules.", "Here's what to expect: an email, then a text."),
    # the loss belittled / the agent acting on it, or kind words
    ("It's only a few quid.", "It's only a small fee, and I've waived it for you."),
    ("Come on, it's only two days.", "It's only two days, so I've booked you the earlier van."),
    ("It's not like we lost your dog.", "It's not like you to miss a payment, is everything alright?"),
    # (added after batch 18 was read: the caller's plight, what they cannot do, sided with)
    ("It's not like the courier dropped it on purpose.", "Fair point, it's not like you can just leave a sofa outside."),
])
def test_rude_line_and_its_courteous_twin(rude, courteous):
    assert reproach(rude)
    assert not reproach(courteous)
