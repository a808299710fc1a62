"""Postcodes and references said or written a few characters at a time.

Callers dictate them: "L S six, two P Q" (the postcode LS6 2PQ), "K seven M two R nine" (a
booking reference), "S L nine nine four one two zero" (a tracking number); ASR or an agent may
write them in chunks ("LS6 2PQ", "K7M2R9"). No pattern for one written form matches all of these,
so the recognizer reads a run of short chunks (single or paired capitals, digits, the number
words zero to nine) and judges the characters they spell together: a UK postcode shape is an
ADDRESS, any other mix of two or more letters and two or more digits, five characters or more, is
an ID_NUMBER. Dictated runs of two number words are already digits here (agents.redact.numbers);
a single number word between letters ("K seven M") is not, so it is read here. A shorter run
(five characters, three digits) counts too in the turn answering a question for a reference
("What's the booking reference?" - "Four seven two nine one."): the question says what it is.
"""
from __future__ import annotations

import re

from agents.redact.identity import SPELLED_ID, answers
from agents.redact.numbers import normalise_spoken_numbers

ADDRESS = "ADDRESS"
DIGIT_WORDS = {"zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
               "six": "6", "seven": "7", "eight": "8", "nine": "9"}
# One chunk: capitals and digits (at most two capitals unless a digit is in it: "BBC" or "NHS" is a
# word, "K7M2R9" is not), a capital with a full stop ("L."), or a digit word.
_DIGIT_WORD = r"(?i:(zero|oh|one|two|three|four|five|six|seven|eight|nine))"
# ASR may write a dictated letter in lower case inside a chunk with a digit ("B90, 3kS" for B90 3KS):
# a short chunk of digits and letters with at least one capital is read in capitals ("4pm" has none).
# ASR also ends a long written reference with its last letter in lower case ("JT472198d" for the
# National Insurance number JT 47 21 98 D): capitals, four digits or more and one small letter.
_CHUNK = r"[A-Z\d]{1,10}|(?=[A-Za-z]*\d)(?=[a-z\d]*[A-Z])[A-Za-z\d]{2,4}|[A-Z]{1,3}\d{4,8}[a-z]"
CHUNK = re.compile(rf"(?<![\w'’])(?:{_DIGIT_WORD}|({_CHUNK}))(?![\w'’])")
# ASR writes a dictated letter or digit it mishears as a word: "B S three, four L N" comes out
# "BS3 for LN", "N E four" "any four", "B one five" "Be 15", "K seven" "okay seven". Such words
# are read only inside a run of real chunks, and a run with them counts only when it spells a
# postcode or a reference (find_spelled_identifiers): "for" and "to" alone are just words.
HEARD = {"be": "B", "bee": "B", "see": "C", "sea": "C", "dee": "D", "eff": "F", "gee": "G", "aitch": "H",
         "jay": "J", "kay": "K", "okay": "K", "el": "L", "em": "M", "en": "N", "any": "NE", "pee": "P",
         "pea": "P", "queue": "Q", "cue": "Q", "are": "R", "ess": "S", "tea": "T", "tee": "T", "vee": "V",
         "ex": "X", "why": "Y", "zed": "Z", "for": "4", "to": "2", "too": "2", "ate": "8", "won": "1",
         "our": "R", "in": "N"}
HEARD_CHUNK = re.compile(rf"(?<![\w'’])(?:{_DIGIT_WORD}|({_CHUNK})|(?i:({'|'.join(HEARD)})))(?![\w'’])")
HEARD_LETTER_GAP = re.compile(r"\.?[\s,\-]{0,3}")  # ASR's dotted letters: "six H.T."
# A postcode's inward code never ends in C, I, K, M, O or V: so "OK for 2 PM" is no postcode.
HEARD_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\d[ABD-HJLNP-UW-Z]{2}")
# What is really spelled must carry it: "I see 2 to 3" or "OK for 2 PM" is talk.
MAX_HEARD_CHUNKS, MIN_HEARD_REAL_CHARS, MIN_HEARD_REAL_DIGITS_IN_REFERENCE = 2, 4, 2
GAP = re.compile(r"[\s,\-]{1,3}")  # between chunks of one run; a sentence's full stop ends it...
LETTER_GAP = re.compile(r"\.?[\s,\-]{1,3}")  # ...but not a dotted letter's ("L. S. 6")
# ...nor, outside heard runs, ASR's decimal point between two dictated digits ("B7X 4.4Q" for
# "B seven X, four four Q"); a price or time alone ("4.15") has no letters, so it stays.
DIGIT_DOT = "."
POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}")  # LS62PQ, M204QB, SW1A1AA, B152TT
MIN_REFERENCE_CHARS = 5  # "K N 7" or "A4" identify nobody
MIN_REFERENCE_LETTERS = MIN_REFERENCE_DIGITS = 2
TIME_OF_DAY = frozenset({"AM", "PM"})  # "10 30 A M" is a time, not a reference
# A question for a reference ("What's the booking reference?", "Have you got the order number?"):
# the answer may be digits only and shorter than a run that identifies by itself (seven digits,
# agents.redact.recognizers), yet the question says it is one.
REFERENCE_REQUEST = re.compile(
    r"(?i:\b(?:booking|order|tracking|membership|account|policy|customer|claim|case|ticket|reference|"
    r"confirmation|job|repair|invoice)\s+(?:number|no|code|id|ref|reference)\b|\b(?:booking|order|claim|case)\s+ref\w*"
    r"|\b(?:licen[cs]e|product|activation|registration)\s+(?:key|code)\b|\bserial\b)")
MIN_ANSWERED_CHARS, MIN_ANSWERED_DIGITS, MIN_ANSWERED_DIGITS_ALONE = 5, 3, 4
YEAR = re.compile(r"(?:19|20)\d\d")  # "the 9th of March 1974" answers the date of birth asked with it
# ASR writes a dictated letter it cannot place as a short word ("C L four, nine nine two, K M" -> "a L4
# 992 km"): in an answer, one- and two-character tokens beside the run belong to it, unless they are
# words that would be said around it anyway.
SHORT_TOKEN_BEFORE = re.compile(r"(?<![\w'’])([A-Za-z\d]{1,2})[\s,]{1,2}$")
SHORT_TOKEN_AFTER = re.compile(r"^[\s,]{1,2}([A-Za-z\d]{1,2})(?![\w'’])")
SHORT_WORDS = frozenset("is it so to in on at of or no my me we he be by if up as do go an am us ok oh um uh er eh ah hm mm".split())
MAX_WIDENED_TOKENS = 3
# A reference's letter group of three or four capitals beside it ("C02X L881 JGH"): a chunk of more
# than two capitals alone is a word ("BBC"), but not next to a reference.
EDGE_LETTERS_AFTER = re.compile(r"^[\s,\-]{1,3}[A-Z]{3,4}(?![\w'’])")
EDGE_LETTERS_BEFORE = re.compile(r"(?<![\w'’])[A-Z]{3,4}[\s,\-]{1,3}$")
MIN_CHARS_BESIDE_POSTCODE = 3  # "7 XK49PQ 2HH3M" is a product key with a postcode's shape inside


def _chars(match: re.Match) -> str | None:
    """The characters a chunk spells, or None for a word that is no chunk ("BBC", "NHS")."""
    if match.group(1):
        return DIGIT_WORDS[match.group(1).lower()]
    if match.re is HEARD_CHUNK and match.group(3):
        return HEARD[match.group(3).lower()]
    chunk = match.group(2)
    if chunk.isalpha() and len(chunk) > 2:
        return None
    return chunk.upper()


def _joins(previous: str, gap: str, heard: bool = False, following: str = "") -> bool:
    if not heard and gap == DIGIT_DOT and previous[-1:].isdigit() and following[:1].isdigit():
        return True
    letter_gap = HEARD_LETTER_GAP if heard else LETTER_GAP
    return bool((letter_gap if len(previous) == 1 and previous.isalpha() else GAP).fullmatch(gap))


def _runs(text: str, heard: bool = False) -> list[list[tuple[int, int, str, bool]]]:
    """Maximal runs of chunks with only a gap between them: [(start, end, characters, is a heard
    word), ...]; heard words (HEARD) are chunks only when `heard`."""
    runs: list[list[tuple[int, int, str, bool]]] = []
    current: list[tuple[int, int, str, bool]] = []
    for match in (HEARD_CHUNK if heard else CHUNK).finditer(text):
        chars = _chars(match)
        if chars is None or (current and not _joins(current[-1][2], text[current[-1][1]:match.start()], heard,
                                                    chars)):
            if current:
                runs.append(current)
            current = []
        if chars is not None:
            current.append((match.start(), match.end(), chars, heard and bool(match.group(3))))
    if current:
        runs.append(current)
    return runs


def spelled_runs(text: str) -> list[list[tuple[int, int, str]]]:
    """Maximal runs of chunks with only GAP between them: [(start, end, characters), ...]."""
    return [[chunk[:3] for chunk in run] for run in _runs(text)]


def _postcodes(run: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Spans of chunk sequences in the run that spell a UK postcode (longest first from the left)."""
    found, i = [], 0
    while i < len(run):
        for j in range(min(len(run), i + 8), i, -1):
            if POSTCODE.fullmatch("".join(c for _, _, c in run[i:j])):
                found.append((run[i][0], run[j - 1][1]))
                i = j
                break
        else:
            i += 1
    return found


def _is_reference(spelled: str) -> bool:
    letters = "".join(c for c in spelled if c.isalpha())
    return (len(spelled) >= MIN_REFERENCE_CHARS and len(letters) >= MIN_REFERENCE_LETTERS
            and sum(c.isdigit() for c in spelled) >= MIN_REFERENCE_DIGITS and letters not in TIME_OF_DAY)


def find_spelled_identifiers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, ADDRESS | ID_NUMBER) for each postcode or reference spelled in the text."""
    found = []
    for run in spelled_runs(text):
        postcodes = _postcodes(run)
        spelled = "".join(c for _, _, c in run)
        if postcodes and not _beside_postcodes(run, postcodes, spelled):
            found += [(start, end, ADDRESS) for start, end in postcodes]
        elif _is_reference(spelled):
            found.append((*_with_edge_letters(text, run[0][0], run[-1][1]), SPELLED_ID))
    heard = [span for span in _heard_identifiers(text)  # a heard span may only widen a plain one
             if all(end <= span[0] or span[1] <= start or _widens(span, (start, end)) for start, end, _ in found)]
    return sorted(heard + [plain for plain in found if not any(_widens(span, plain) for span in heard)])


def _beside_postcodes(run: list[tuple[int, int, str]], postcodes: list[tuple[int, int]], spelled: str) -> bool:
    """A reference with a postcode's shape inside it: enough characters outside the postcodes."""
    outside = "".join(c for start, end, c in run if not any(a <= start and end <= b for a, b in postcodes))
    # A year or a house number beside a postcode is digits only ("1990 LS6 2PQ"); a key has letters too.
    return len(outside) >= MIN_CHARS_BESIDE_POSTCODE and any(c.isalpha() for c in outside) and _is_reference(spelled)


def _with_edge_letters(text: str, start: int, end: int) -> tuple[int, int]:
    after = EDGE_LETTERS_AFTER.search(text[end:end + 8])
    before = EDGE_LETTERS_BEFORE.search(text[max(0, start - 8):start])
    return start - (len(before.group()) if before else 0), end + (after.end() if after else 0)


def _widens(outer: tuple, inner: tuple) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1] and outer[:2] != inner[:2]


def _trusted(chunks: list[tuple[int, int, str, bool]]) -> bool:
    """Few heard words, enough real characters, a real digit among them."""
    real = "".join(c for _, _, c, heard in chunks if not heard)
    return (sum(heard for *_, heard in chunks) <= MAX_HEARD_CHUNKS and len(real) >= MIN_HEARD_REAL_CHARS
            and any(c.isdigit() for c in real))


def _heard_identifiers(text: str) -> list[tuple[int, int, str]]:
    """Postcodes and references that spell only with heard words read as the letters or digits
    they stand for (HEARD): "Be 15 to TT" (B15 2TT), "any four, six H.T." (NE4 6HT)."""
    found = []
    for run in _runs(text, heard=True):
        if not any(heard for *_, heard in run) and not _dotted(text, run):
            continue
        before, i = len(found), 0
        while i < len(run):
            for j in range(min(len(run), i + 8), i, -1):
                window = run[i:j]
                if (any(heard for *_, heard in window) or _dotted(text, window)) and _trusted(window) \
                        and HEARD_POSTCODE.fullmatch("".join(c for _, _, c, _ in window)):
                    found.append((window[0][0], window[-1][1], ADDRESS))
                    i = j
                    break
            else:
                i += 1
        inner = _strip_heard_edges(run)
        real_digits = sum(c.isdigit() for _, _, chars, heard in inner if not heard for c in chars)
        if len(found) == before and any(heard for *_, heard in inner) and _trusted(inner) \
                and real_digits >= MIN_HEARD_REAL_DIGITS_IN_REFERENCE \
                and _is_reference("".join(c for _, _, c, _ in inner)):
            found.append((inner[0][0], inner[-1][1], SPELLED_ID))
    return found


def _dotted(text: str, run: list[tuple[int, int, str, bool]]) -> bool:
    """Letters joined by a bare full stop ("R.T."), which only a heard run reads as one."""
    return any(text[a[1]:b[0]] == "." for a, b in zip(run, run[1:]))


def _strip_heard_edges(run: list[tuple[int, int, str, bool]]) -> list[tuple[int, int, str, bool]]:
    """A reference's heard words count only between real chunks ("K seven M to R nine")."""
    start, end = 0, len(run)
    while start < end and run[start][3]:
        start += 1
    while end > start and run[end - 1][3]:
        end -= 1
    return run[start:end]



def answered_references(segments: list[dict]) -> dict[int, list[tuple[int, int]]]:
    """segment index -> spans of spelled runs in the turn that answers a question for a reference
    (the next turn by another speaker, or any next turn on mono). ASR may cut the dictation between
    two segments ("...and the reference is PU." - "77309."): a reply that ends in a run is read
    together with the next segment when that starts with one (and is not the other speaker's)."""
    found: dict[int, list[tuple[int, int]]] = {}
    for index, reply in answers(segments, REFERENCE_REQUEST):
        text, following = reply["text"], segments[index + 1] if index + 1 < len(segments) else None
        core = _without_ending_stop(text)
        if following is not None and following["speaker"] in (reply["speaker"], "unknown") \
                and _ends_in_chunk(core) and _starts_dictating(following["text"]):
            joined = f"{core} {following['text']}"
            for start, end in _answered_spans(joined):
                if start < len(core):
                    found.setdefault(index, []).append((start, min(end, len(core))))
                if end > len(core) + 1:
                    found.setdefault(index + 1, []).append((max(start - len(core) - 1, 0), end - len(core) - 1))
            continue
        spans = _answered_spans(text)
        if spans:
            found.setdefault(index, []).extend(spans)
    return found


def _starts_dictating(text: str) -> bool:
    """A segment that opens with a digit or a single letter (not "OK", "TV": words of two capitals)."""
    match = CHUNK.match(text.lstrip())
    chars = _chars(match) if match else None
    return bool(chars) and (len(chars) == 1 or any(c.isdigit() for c in chars))


def _without_ending_stop(text: str) -> str:
    """The text without its trailing spaces and one full stop or comma before them."""
    core = text.rstrip()
    return core[:-1] if core[-1:] in (".", ",") else core


def _ends_in_chunk(text: str) -> bool:
    normalised = normalise_spoken_numbers(text).text
    runs = spelled_runs(normalised)
    return bool(runs) and runs[-1][-1][1] == len(normalised)


def _answered_spans(text: str) -> list[tuple[int, int]]:
    normalised = normalise_spoken_numbers(text)
    return [_with_short_tokens(text, *normalised.to_original(run[0][0], run[-1][1]))
            for run in spelled_runs(normalised.text) if _is_answered_reference("".join(c for _, _, c in run))]


def _is_answered_reference(spelled: str) -> bool:
    """Five characters with three digits, or four digits alone ("day 7302" for "J 7302"): the question
    says it is a reference."""
    digits = sum(c.isdigit() for c in spelled)
    return len(spelled) >= MIN_ANSWERED_CHARS and digits >= MIN_ANSWERED_DIGITS or \
        digits == len(spelled) >= MIN_ANSWERED_DIGITS_ALONE and not YEAR.fullmatch(spelled)


def _with_short_tokens(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened over up to MAX_WIDENED_TOKENS short tokens on each side (SHORT_TOKEN_*)."""
    for _ in range(MAX_WIDENED_TOKENS):
        before = SHORT_TOKEN_BEFORE.search(text[max(0, start - 5):start])
        if not before or before.group(1).lower() in SHORT_WORDS:
            break
        start -= len(before.group())
    for _ in range(MAX_WIDENED_TOKENS):
        after = SHORT_TOKEN_AFTER.search(text[end:end + 5])
        if not after or after.group(1).lower() in SHORT_WORDS:
            break
        end += after.end()
    return start, end


MIN_REPEATED_CHARS = 4  # "K4419": a reference once found is found again however it is said


def repeated_references(segments: list[dict], found: dict[int, list[tuple[int, int]]]) -> dict[int, list[tuple[int, int]]]:
    """segment index -> spans of spelled runs spelling a reference already found in the call (`found`:
    segment index -> spans): the agent reading back "K four four one nine" the caller gave as the
    answer to "the ticket number?" is the same reference, in any turn and written any way."""
    known = set()
    for index, spans in found.items():
        text = segments[index]["text"]
        for start, end in spans:
            for run in spelled_runs(normalise_spoken_numbers(text[start:end]).text):
                chars = "".join(c for _, _, c in run)
                if len(chars) >= MIN_REPEATED_CHARS:
                    known.add(chars)
    repeated: dict[int, list[tuple[int, int]]] = {}
    for index, segment in enumerate(segments if known else ()):
        normalised = normalise_spoken_numbers(segment["text"])
        for run in spelled_runs(normalised.text):
            if "".join(c for _, _, c in run) in known:
                repeated.setdefault(index, []).append(
                    _with_short_tokens(segment["text"], *normalised.to_original(run[0][0], run[-1][1])))
    return repeated
