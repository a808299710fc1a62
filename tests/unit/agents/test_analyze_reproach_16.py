"""English reproach by structure, session 16 (agents/analyze/reproach.py): a statement with a
negative question tag is judged as the statement, and the fault put on a third party while denied
as the company's is a brush-off. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.reproach import reproach


@pytest.mark.parametrize("text", [
    "You did read the email, didn't you?",                 # insistence, asked back as a tag
    "Your contract does say that, doesn't it?",
    "You should've kept the box, shouldn't you?",
    "That's the courier's problem, not ours.",             # the fault elsewhere, denied as ours
    "That's down to the bank, not us.",
    "It's the landlord's responsibility, nothing to do with us.",
])
def test_reproach_by_structure(text):
    assert reproach(text)


@pytest.mark.parametrize("text", [
    "You got the letter, didn't you?",                     # a check, not an insistence
    "You did say Tuesday, didn't you?",                    # what the caller said, checked
    "You'll be at home on Friday, won't you?",
    "It was the fourteenth, wasn't it?",
    "It's the courier's fault, I'm sorry, I'll chase them.",  # softened, and taken on
    "It's the courier's job to ring you, I'll remind them.",  # no denial
    "Did you get the email?",                              # a plain question
])
def test_courteous_lines_with_the_same_grammar(text):
    assert not reproach(text)
