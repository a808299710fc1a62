from __future__ import annotations

import dataclasses
import re
import wave
from pathlib import Path

import numpy as np
import pytest

from aica.samples import (SAMPLE_RATE, Sample, Turn, find_leaks, load_samples, log_messages, parse_sample,
                          render_key, render_sample)

SAMPLES = load_samples()


@pytest.fixture(scope="module")
def render_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("samples")


def read_wav(path: Path) -> tuple[wave._wave_params, np.ndarray]:
    with wave.open(str(path)) as wav:
        params = wav.getparams()
        frames = np.frombuffer(wav.readframes(params.nframes), dtype="<i2")
    return params, frames.reshape(-1, params.nchannels).astype(np.float64)


def test_the_demo_calls_are_there():
    assert len(SAMPLES) == 5 and len({s.id for s in SAMPLES}) == 5
    assert [s.stereo for s in SAMPLES].count(True) == 1
    assert [s.language for s in SAMPLES].count("ru") == 1
    for sample in SAMPLES:
        assert {t.speaker for t in sample.turns} == {"agent", "client"}
        assert sample.direction in ("incoming", "outgoing")
        assert re.fullmatch(r"\d{11}|reg\d+", sample.line)
        assert sample.agent_voice != sample.client_voice


def test_the_english_demo_calls_speak_with_the_neural_voice():
    # espeak-ng's robot voice comes out of tiny.en as nonsense ("my intellect has been known"), so
    # the demo would show the ASR's failure, not the analysis
    english = [s for s in SAMPLES if s.language == "en"]
    assert english and all(s.agent_voice.startswith("piper-en") and s.client_voice.startswith("piper-en")
                           for s in english)


def test_the_russian_call_routes_to_the_russian_project_with_russian_voices():
    from catalog.projects import load_catalog
    from streams.settings import Settings

    sample = next(s for s in SAMPLES if s.language == "ru")
    project = load_catalog(Settings()).resolve("any-portal", sample.line)
    assert (project.name, project.language, sample.line) == ("support-ru", "ru", "74957654321")
    assert sample.agent_voice.startswith("festival-ru") and sample.client_voice.startswith("festival-ru")
    assert re.search(r"[а-яё]", sample.spoken_text(), re.IGNORECASE)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_every_planted_value_is_actually_spoken(sample):
    assert sample.planted_pii
    assert find_leaks(sample.planted_pii, sample.spoken_text()) == list(sample.planted_pii)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.id)
def test_rendered_audio_is_telephony_wav_of_plausible_length(sample, render_dir):
    params, frames = read_wav(render_sample(sample, render_dir))
    assert params.nchannels == sample.channels
    assert params.framerate == SAMPLE_RATE and params.sampwidth == 2
    assert 20.0 <= params.nframes / params.framerate <= 55.0
    assert np.abs(frames).max() > 1000  # speech, not silence


def test_stereo_puts_each_side_on_its_own_channel(render_dir):
    sample = next(s for s in SAMPLES if s.stereo)
    _, frames = read_wav(render_sample(sample, render_dir))
    window = SAMPLE_RATE // 20
    usable = frames[: len(frames) // window * window].reshape(-1, window, 2)
    loud = np.sqrt((usable ** 2).mean(axis=1)) > 200  # (windows, channels)
    assert loud[:, 0].sum() > 50 and loud[:, 1].sum() > 50
    assert (loud[:, 0] & loud[:, 1]).sum() == 0  # never both sides at once
    first_loud = loud.argmax(axis=0)
    assert first_loud[0] < first_loud[1]  # the agent (left) opens the call


def test_rendering_is_cached_by_content(render_dir):
    sample = SAMPLES[0]
    first = render_sample(sample, render_dir)
    mtime = first.stat().st_mtime_ns
    assert render_sample(sample, render_dir) == first and first.stat().st_mtime_ns == mtime
    edited = dataclasses.replace(sample, turns=sample.turns[:-1] + (Turn("agent", "Goodbye."),))
    assert render_key(edited) != render_key(sample)
    assert render_sample(edited, render_dir) != first


def test_a_render_repeats_byte_for_byte(tmp_path):
    # the neural voice draws noise and sox dithers: unseeded, each clone rendered the demo's calls
    # differently and the demo's scores moved with the render
    sample = next(s for s in SAMPLES if s.agent_voice.startswith("piper-en"))
    short = dataclasses.replace(sample, turns=sample.turns[:2])
    first = render_sample(short, tmp_path / "first").read_bytes()
    render_sample(SAMPLES[-1], tmp_path / "between")  # what was spoken before must not matter
    assert render_sample(short, tmp_path / "second").read_bytes() == first


def test_bad_sample_definitions_are_refused():
    raw = {"id": "x", "title": "x", "line": "74951234567", "direction": "incoming",
           "stereo": False, "turns": [{"speaker": "agent", "text": "Hi."}]}
    assert isinstance(parse_sample(raw), Sample)
    with pytest.raises(ValueError, match="speakers"):
        parse_sample({**raw, "turns": [{"speaker": "supervisor", "text": "Hi."}]})
    with pytest.raises(ValueError, match="direction"):
        parse_sample({**raw, "direction": "inbound"})


def test_leaks_are_found_in_any_spelling_and_not_in_placeholders():
    planted = ["Margaret Collins", "5552184490", "thomas.reed@example.com"]
    assert find_leaks(planted, "Thanks, Mrs Collins.") == ["Margaret Collins"]
    assert find_leaks(planted, "it is 555-218-4490") == ["5552184490"]
    assert find_leaks(planted, "five five five, two one eight, four four nine zero") == ["5552184490"]
    assert find_leaks(planted, "write to thomas at example dot com") == ["thomas.reed@example.com"]
    assert find_leaks(planted, "Thanks <PERSON>, it is <PHONE_NUMBER>, <EMAIL_ADDRESS>.") == []


def test_log_timestamps_are_no_leak_but_a_logged_value_is():
    log = ("2026-12-05 07:12:44,512 INFO agents.ingest: call=c1 ingested\n"
           "2026-12-05 07:12:45,001 INFO agents.score: card ending 4512 read back\n")
    first = log.splitlines()[0]
    assert find_leaks(["4512"], first) == ["4512"]  # "44,512": the timestamp's digits run together
    assert find_leaks(["4512"], log_messages(first)) == []
    assert find_leaks(["4512"], log_messages(log)) == ["4512"]
    # Faust's worker log: "[time] [process id] [LEVEL] message"
    faust = "[2026-12-06 00:51:28,682] [4512] [INFO] [^--Producer]: Starting... \n"
    assert find_leaks(["4512"], faust) == ["4512"]
    assert find_leaks(["4512"], log_messages(faust)) == []
    assert find_leaks(["4512"], log_messages(faust + "[2026-12-06 00:51:29,001] [4512] [INFO] card 4512\n")) == ["4512"]
    # Faust's timer warning under load prints floats in full precision (a CI run failed on this line)
    timer = ("[2026-12-07 18:30:36,464] [19126] [INFO] Timer Monitor.sampler woke up too late, with a drift of "
             "+0.3295347309904173 runtime=3.7313002394512296e-05 sleeptime=1.3295347309904173 \n")
    assert find_leaks(["4512"], timer) == ["4512"]
    assert find_leaks(["4512"], log_messages(timer)) == []
    assert find_leaks(["4512"], log_messages(timer + "[2026-12-07 18:30:37,001] [19126] [INFO] refund 45.12 to card 4512\n")) == ["4512"]


def test_russian_leaks_are_found_in_any_case_ending_and_dictation():
    planted = ["Ирина Соколова", "89161234567", "4512", "345678"]
    assert find_leaks(planted, "Спасибо, Ирине Соколовой.") == ["Ирина Соколова"]
    assert find_leaks(planted, "восемь девятьсот шестнадцать сто двадцать три сорок пять "
                               "шестьдесят семь") == ["89161234567"]
    assert find_leaks(planted, "серия сорок пять двенадцать номер триста сорок пять шестьсот "
                               "семьдесят восемь") == ["4512", "345678"]
    assert find_leaks(planted, "Спасибо, <PERSON>, серия <RU_PASSPORT>, приятно.") == []
    assert find_leaks(["4512 345678"], "паспорт 4512-345678") == ["4512 345678"]


def test_a_reference_with_a_letter_group_is_found_as_dictated_and_as_asr_writes_it():
    planted = ["CLT 29058", "SP448219"]
    assert find_leaks(planted, "C L T, two nine oh five eight.") == ["CLT 29058"]
    assert find_leaks(planted, "S P four four eight, two one nine.") == ["SP448219"]
    assert find_leaks(planted, "It's CLT 29058.") == ["CLT 29058"]
    assert find_leaks(planted, "It's CLT-290-58, and SP 448 219.") == planted
    # most of its characters in one run, as for any spelled reference: a placeholder is no leak
    assert find_leaks(planted, "It's <ID_NUMBER> 058, the CLT office, two nine oh.") == []


def test_a_postcode_with_a_number_word_above_nine_is_found():
    planted = ["M20 3LF", "GL50 2HD"]
    assert find_leaks(planted, "it's M twenty, three L F, and G L fifty, two H D") == planted
    assert find_leaks(planted, "it's M20 3LF and GL50 2HD") == planted
    assert find_leaks(planted, "it's <ADDRESS>, about twenty three pounds, fifty two in all") == []


def test_a_mailbox_said_as_words_is_found_by_its_characters():
    planted = ["brambletapes@gmail.com", "r.kapoor88@gmail.com", "kristina.belova96@mail.ru", "li.xu@mail.ru"]
    assert find_leaks(planted, "It's the bramble tapes at gmail dot com.") == ["brambletapes@gmail.com"]
    assert find_leaks(planted, "It's r dot kapoor eighty-eight at gmail dot com.") == ["r.kapoor88@gmail.com"]
    assert find_leaks(planted, "Кристина, точка, белова девяносто шесть, собака, мэйл точка ру.") == [
        "kristina.belova96@mail.ru"]
    assert find_leaks(planted, "kristina.belova96@mail.ru") == ["kristina.belova96@mail.ru"]
    # a mailbox under six characters is a word: "li xu" is not read out of talk
    assert find_leaks(planted, "Ли Сюй, точка, ли") == []
    assert find_leaks(planted, "It's <EMAIL_ADDRESS>, the ramble tapes, eighty eight.") == []
    # whole words only: "Тамара Николаевна" does not say "amara.n"
    assert find_leaks(["amara.n@outlook.com"], "Тамара Николаевна, заказ нашла.") == []
    assert find_leaks(["amara.n@outlook.com"], "amara dot n at outlook") == ["amara.n@outlook.com"]


def test_a_russian_reference_is_found_in_letters_letter_names_and_asr_chunks():
    planted = ["КР 58306", "СД 24890", "Р 741 МК", "А 723 ВК 77", "НЖ 470093"]
    assert find_leaks(planted, "КР, пятьдесят восемь, триста шесть.") == ["КР 58306"]
    assert find_leaks(planted, "эс дэ, двадцать четыре восемьсот девяносто") == ["СД 24890"]
    assert find_leaks(planted, "Эр, семьсот сорок один, эм, ка.") == ["Р 741 МК"]
    assert find_leaks(planted, "А семьсот двадцать три ВК, регион семьдесят семь.") == ["А 723 ВК 77"]
    assert find_leaks(planted, "эн-жэ, сорок семь ноль ноль девяносто три") == ["НЖ 470093"]
    assert find_leaks(planted, "Заказ КР 58 306, он же кр-58306.") == ["КР 58306"]
    assert find_leaks(planted, "Номер А723ВК77, договор СД-24890") == ["СД 24890", "А 723 ВК 77"]
    assert find_leaks(planted, "Заказ KP 58306.") == ["КР 58306"]  # Latin letters that look the same
    # capitals written are the letters themselves, though «ха» said alone is the letter Х
    assert find_leaks(["ХА 73015"], "ХА семьдесят три ноль пятнадцать.") == ["ХА 73015"]
    # a placeholder and a few characters left are no leak; nor are numbers in ordinary talk
    assert find_leaks(planted, "Заказ <ID_NUMBER> 306, машина <ID_NUMBER>, регион 77.") == []
    assert find_leaks(planted, "Я заплатил семьсот сорок один рубль, а он двадцать четыре года в деле.") == []


def test_a_long_number_said_in_two_parts_or_corrected_is_found():
    planted = ["4507123456", "4929180266417732", "89991203457"]
    assert find_leaks(planted, "Паспорт сорок пять ноль семь, номер сто двадцать три четыреста пятьдесят шесть.") == [
        "4507123456"]
    assert find_leaks(planted, "four nine two nine, one eight zero three, uh, sorry, one eight zero two, "
                               "six six four one, seven seven three two") == ["4929180266417732"]
    assert find_leaks(planted, "Восемь девятьсот девяносто девять, сто двадцать, тридцать четыре, "
                               "пятьдесят шесть... ой, нет, пятьдесят семь.") == ["89991203457"]
    # the parts must be close together and whole: a placeholder between is no leak
    assert find_leaks(planted, "Паспорт <RU_PASSPORT>, номер 123456.") == []
    assert find_leaks(planted, "серия 4507, это было давно, ещё в том году, номер 123456") == []


def test_a_russian_name_leaks_in_its_own_forms_not_in_a_word_sharing_its_stem():
    planted = ["Кузьмина Вера Олеговна"]
    # "верно", "верим", "верю" share the stem "вер-" with the name but are other words
    assert find_leaks(planted, "Да, всё верно. Мы вам верим, я верю.") == []
    assert find_leaks(planted, "Передам Вере, хорошо.") == planted
    assert find_leaks(planted, "Да, звоню Веру предупредить.") == planted
    assert find_leaks(planted, "Спасибо, Олеговна, до свидания.") == planted
    assert find_leaks(planted, "Записала на Кузьмину.") == planted
    assert find_leaks(["Маркиз"], "Кодовое слово — маркизом звали кота.") == ["Маркиз"]


def test_a_russian_name_misheard_in_its_ending_is_still_a_leak():
    # ASR often gets a surname's ending wrong ("Руденко" heard as "руденка", "Горбунова" as
    # "горбуново"): a word the dictionary does not know is the name misheard, not another word
    assert find_leaks(["Руденко Артур"], "Сверю запись: руденка, да.") == ["Руденко Артур"]
    assert find_leaks(["Горбунова"], "Так, да, горбуново. Отказ по операции.") == ["Горбунова"]
    # a known word of another lemma that shares the stem is still no leak
    assert find_leaks(["Горбунова"], "Горбуну не позвонили.") == []


def test_a_number_said_with_a_leading_oh_and_a_mailbox_said_in_russian_letter_names_are_found():
    # "oh four, ..." reads as an interjection and 4; the other seven digits of an eight-digit receipt leak it
    assert find_leaks(["04771293"], "It's oh four, seven seven one, two nine three.") == ["04771293"]
    assert find_leaks(["04771293"], "Receipt oh four, seven seven one.") == []
    # «гэ вэ» says the letters g and v of the mailbox, not "geve"
    assert find_leaks(["orlova.gv@yandex.ru"], "Да, орлова точка гэ вэ, собака, яндекс точка ру.") == [
        "orlova.gv@yandex.ru"]
    assert find_leaks(["orlova.gv@yandex.ru"], "Орлова, да, это я.") == []
