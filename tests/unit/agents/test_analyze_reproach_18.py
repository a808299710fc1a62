"""English scolding question (agents/analyze/reproach.py, session 18): the caller asked whether they
*even* heeded, read or tried is a reproach; the plain question, an ability check and "even out"
ask. The lines are written for these tests, none is from bench/qa_eval."""
from __future__ import annotations

import pytest

from agents.analyze.reproach import reproach


@pytest.mark.parametrize("text", [
    "Are you even listening to what I'm telling you?",
    "Did you even open the parcel before ringing us?",
    "Have you even tried charging it overnight?",
    "Were you even paying attention when the driver explained it?",
])
def test_scolding_question(text):
    assert reproach(text), text


@pytest.mark.parametrize("text", [
    "Did you open the parcel before ringing us?",        # the plain question
    "Have you tried charging it overnight?",
    "Can you even open the app at the moment?",          # what the caller is able to do
    "Could we even out the monthly payments for you?",   # "even out"
    "Is it even plugged in at the wall?",                # not the caller's conduct
    "If you even glance at page two, the dates are there.",   # a condition
])
def test_asking_question(text):
    assert reproach(text) is None, text
