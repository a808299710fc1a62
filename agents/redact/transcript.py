"""Redact a whole transcript: segment texts and timed words, keeping every timestamp.

Entities are found per segment (one spanning two segments is not joined), then any value found
in one segment is also redacted where it recurs in others: a surname the NER caught once is
caught everywhere in the call.

Not the customer's personal data, so kept: the project's keep terms (company and product names)
and the agent's own first name where the agent introduces themselves ("my name is Daniel",
"меня зовут Анна"): on agent-labelled segments, or on a mono call only in the first greeting
turn near the start. Only that one word in that place is kept, and where the next turn greets
the agent back by it ("Hi Daniel"); the customer's name, if it is the same, is still removed
wherever else it is found.
"""
from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import AnalyzerEngine

from agents.redact.answered import answered_addresses_ru, answered_names_loose, answered_postcodes, answered_streets
from agents.redact.cards import card_talk_turns, cards_across_turns, heard_card_spans
from agents.redact.call_memory import (mailbox_words, misheard_name_ru, names_beside_names, street_name_words,
                                      street_phrases)
from agents.redact.engine import RedactionPolicy
from agents.redact.identity import NOT_NAMES, NOT_NAMES_RU, SPELLED_ID, answered_names, self_named
from agents.redact.numbers import is_number_word
from agents.redact.references import answered_references, repeated_references
from agents.redact.russian import only_ordinary_words
from agents.redact.russian_details import answered_numbers_ru, answered_secrets_ru
from agents.redact.spoken_details import ADDRESS, PASSWORD, answered_addresses, answered_secrets
from agents.redact.text import (ORGANISATION_KINDS, STREET_NAME, Finding, apply_redaction, drop_kept, find_entities,
                                find_known_values, merge_findings, term_spans)

# Turns answering a request for a reference or a secret, per language.
ANSWERED_REFERENCES = {"en": answered_references, "ru": answered_numbers_ru}
# Russian answered numbers are any number in the reply, so any type found on the same digits (a
# phone, a card, whose placeholder the analysis reads) names them instead; English answers are
# spelled references, more specific than what else is found there.
ANSWERED_REFERENCE_SCORE = {"en": 0.8, "ru": 0.3}
ANSWERED_SECRETS = {"en": answered_secrets, "ru": answered_secrets_ru}
ANSWERED_ADDRESSES = {"en": lambda segments: _joined(answered_addresses(segments), answered_postcodes(segments),
                                                     answered_streets(segments)),
                      "ru": lambda segments: answered_addresses_ru(segments, _russian_morph())}
KNOWN_VALUE_TYPES = ("PERSON", "EMAIL_ADDRESS", PASSWORD)
# A street's name is remembered from an address or place, and looked for as written (capitalised):
# "Church" of "Church Road" must not take "the church" with it.
STREET_VALUE_TYPES = ("ADDRESS", "LOCATION")
MIN_NAME_PART = 3  # "Jo" alone would hit too many ordinary words
# The word right after one of these, on the agent's side, is the agent's own first name; in
# English also a capitalised word before "speaking" or with "calling from" after it ("Hannah
# speaking", "it's Lee from Clearview Windows"), never in a question ("Is that Jim speaking?"): not
# when its own clause ends in a question mark or opens as one (ASKING); a question after it in
# another clause is the handover ("Hannah speaking, how can I help?").
SELF_INTRODUCTION = {
    "en": re.compile(r"\b(?i:my name is|my name's|this is|you(?:'re| are) (?:speaking|talking) (?:to|with)|"
                     r"you(?:'re| are) through to|I am|I'm)\s+([^\W\d_]+)"
                     r"|\b(?i:it's|it is)\s+([A-Z][^\W\d_]*)(?=\s+(?:from|calling from)\b)"
                     r"|(?<![\w'’])([A-Z][^\W\d_]*)\s+(?:speaking|calling from)\b(?![^.?!,;]*\?)"),
    "ru": re.compile(r"(?<!\w)(?:меня зовут|мо[её] имя|с вами говорит|вас приветствует|"
                     r"на связи|это)\s+([^\W\d_]+)", re.IGNORECASE),
}
# A mono call's turn counts as the agent's greeting only if it sounds like one: an opening
# (the company, "thank you for calling") or the question that hands over to the caller.
OPENING = {
    "en": re.compile(r"thank(?:s| you) for calling|welcome to|you(?:'ve| have) reached|"
                     r"customer (?:service|support)|you(?:'re| are) (?:through to|(?:speaking|talking) (?:to|with))",
                     re.IGNORECASE),
    "ru": re.compile(r"спасибо за (?:звонок|обращение)|компани\w*|служба (?:поддержки|заботы)|"
                     r"вас приветствует", re.IGNORECASE),
}
HANDOVER = {
    "en": re.compile(r"how (?:can|may) I help", re.IGNORECASE),
    "ru": re.compile(r"чем (?:я )?(?:могу|можем) (?:вам )?помочь|слушаю вас", re.IGNORECASE),
}
SENTENCE = re.compile(r"[^.?!]+[.?!]*")
# The caller greeting the agent back by the name just introduced ("Hi Hannah.", "Здравствуйте,
# Ольга."): at the start of the next turn, after a greeting, that name is the agent's too.
GREETED_BACK = {
    "en": r"^\W*(?i:hi|hello|hey|hiya|morning|good (?:morning|afternoon|evening)|thanks|thank you)"
          r",?\s+({name})\b",
    "ru": r"^\W*(?i:здравствуйте|добрый (?:день|вечер)|доброе утро|спасибо),?\s+({name})(?!\w)",
}
CALLER_INTRO = re.compile(r"I am|I'm", re.IGNORECASE)
# A clause that opens with an auxiliary verb or a question word asks: "Hello, is that Jim speaking,
# please?", "Who's that calling from the bank".
CLAUSE_START = re.compile(r"[^,;:.?!]*$")
ASKING = re.compile(r"^\s*(?:(?:um|erm|er|uh|oh|and|so|sorry)\s+)*(?i:is|are|am|was|were|do|does|did|can|could|"
                    r"will|would|have|has|who|who's|whom|which|what|what's)\b")
MONO_GREETING_SEGMENTS = 3  # the greeting is among the first turns...
MONO_GREETING_WITHIN_S = 30.0  # ...near the start of the call


def _joined(*tables: dict[int, list[tuple[int, int]]]) -> dict[int, list[tuple[int, int]]]:
    out: dict[int, list[tuple[int, int]]] = {}
    for table in tables:
        for index, spans in table.items():
            out.setdefault(index, []).extend(spans)
    return out


def _russian_morph():
    from agents.redact.russian import natasha_models

    return natasha_models()["morph"]


def joined_names(text: str, findings: list[Finding]) -> list[Finding]:
    """Capitalised words joined to a found name (call_memory.names_beside_names), as names; not an
    organisation's kind ("Bank" after a company the NER took for a person)."""
    spans = [(f.start, f.end) for f in merge_findings([f for f in findings if f.entity_type == "PERSON"])]
    return [Finding(a, b, "PERSON", 0.6) for a, b in names_beside_names(text, spans)
            if text[a:b].casefold() not in ORGANISATION_KINDS]


def swept_values(text: str, findings: list[Finding], known: dict[str, set[str]], keep_terms: tuple[str, ...],
                 introduced: list[tuple[int, int]]) -> list[Finding]:
    """The call's known values found in a text, and the names joined to any name in it; never a keep
    term or the agent's introduced name."""
    kept = term_spans(text, keep_terms) + introduced
    found = drop_kept(text, find_known_values(text, known), kept)
    return found + drop_kept(text, joined_names(text, findings + found), kept)


def collect_known_values(text: str, findings: list[Finding]) -> dict[str, set[str]]:
    """Values to look for in the rest of the call: full names and their capitalised parts, a
    street's name, a mailbox's words, a secret. A greeting or a weekday is never a part ("Morning
    Grace" would wipe the agent's "Good morning")."""
    known: dict[str, set[str]] = {}
    for finding in findings:
        value = text[finding.start:finding.end]
        if finding.entity_type in STREET_VALUE_TYPES:
            streets = street_name_words(value)
            if streets:
                known.setdefault(STREET_NAME, set()).update(streets)
            phrases = street_phrases(value)
            if phrases:
                known.setdefault("ADDRESS", set()).update(phrases)
        if finding.entity_type == "LOCATION" and misheard_name_ru(value):
            known.setdefault("LOCATION", set()).add(value)
        if finding.entity_type not in KNOWN_VALUE_TYPES:
            continue
        values = known.setdefault(finding.entity_type, set())
        values.add(value)
        if finding.entity_type == "EMAIL_ADDRESS":
            values.update(mailbox_words(value))
        if finding.entity_type == "PERSON":
            values.update(p for p in value.split()
                          if len(p) >= MIN_NAME_PART and p.isalpha() and p[0].isupper()
                          and p.casefold() not in NOT_NAMES and p.casefold() not in NOT_NAMES_RU
                          and not is_number_word(p))
    return known


def _shift(findings: list[Finding], offset: int, limit: int) -> list[Finding]:
    return [Finding(max(f.start + offset, 0), min(f.end + offset, limit), f.entity_type, f.score)
            for f in findings if f.end + offset > 0 and f.start + offset < limit]


def redact_words(words: list[dict[str, Any]], findings: list[Finding]) -> list[dict[str, Any]]:
    """Findings are offsets in "".join(word texts). Consecutive words covered by the same
    entity become one placeholder word from the first word's start to the last word's end."""
    merged = merge_findings(findings)
    positions, cursor = [], 0
    for word in words:
        positions.append(cursor)
        cursor += len(word["word"])
    groups: list[tuple[list[int], set[int]]] = []  # (word indices, finding indices)
    for i, word in enumerate(words):
        core_start = positions[i] + len(word["word"]) - len(word["word"].lstrip())
        core_end = positions[i] + len(word["word"])
        hits = {k for k, f in enumerate(merged) if f.start < core_end and f.end > core_start}
        if not hits:
            groups.append(([i], set()))
        elif groups and groups[-1][1] & hits:
            groups[-1][0].append(i)
            groups[-1][1].update(hits)
        else:
            groups.append(([i], hits))
    out = []
    for indices, hits in groups:
        first, last = words[indices[0]], words[indices[-1]]
        if not hits:
            out.append(dict(first))
            continue
        group_text = "".join(words[i]["word"] for i in indices)
        local = _shift([merged[k] for k in sorted(hits)], -positions[indices[0]], len(group_text))
        out.append({"start": first["start"], "end": last["end"],
                    "word": apply_redaction(group_text, local)[0],
                    "probability": min(words[i]["probability"] for i in indices)})
    return out


def _word_findings(analyzer: AnalyzerEngine, segment: dict[str, Any], findings: list[Finding],
                   policy: RedactionPolicy, known: dict[str, set[str]],
                   keep_terms: tuple[str, ...] = ()) -> list[Finding]:
    """Findings in word-text coordinates; re-analyse only if the words do not spell the text."""
    word_text = "".join(w["word"] for w in segment["words"])
    if word_text.strip() == segment["text"]:
        lead = len(word_text) - len(word_text.lstrip())
        return _shift(findings, lead, len(word_text))
    return (find_entities(analyzer, word_text, policy, keep_terms)
            + drop_kept(word_text, find_known_values(word_text, known), term_spans(word_text, keep_terms)))


def introductions_in(pattern: re.Pattern, text: str) -> list[re.Match]:
    """SELF_INTRODUCTION matches in a text, but not a name in a clause that asks (ASKING)."""
    found = []
    for match in pattern.finditer(text):
        clause = CLAUSE_START.search(text, 0, name_span(match)[0]).group()
        if not ASKING.match(clause):
            found.append(match)
    return found


def name_span(match: re.Match) -> tuple[int, int]:
    """The span of the name in a SELF_INTRODUCTION match (whichever form matched)."""
    return next(match.span(g) for g in range(1, match.re.groups + 1) if match.group(g))


def _mono_introduction(text: str, pattern: re.Pattern, opening: re.Pattern,
                       handover: re.Pattern) -> list[tuple[int, int]]:
    """The names in the first sentence that greets ("...Northwind Energy, my name is Daniel") or
    that follows an opening ("Компания Северный Ветер. Меня зовут Анна."); never after the
    handover question, where the caller starts talking. All of its introductions count: "you're
    through to Brightwave Energy, Hannah speaking" names the company first."""
    previous = ""
    for sentence in SENTENCE.finditer(text):
        matches = [m for m in introductions_in(pattern, sentence.group()) if not CALLER_INTRO.match(m.group())]
        greets = opening.search(sentence.group()) or handover.search(sentence.group())
        after_opening = opening.search(previous) and not handover.search(previous)
        if matches and (greets or after_opening):
            return [(sentence.start() + a, sentence.start() + b) for a, b in map(name_span, matches)]
        previous = sentence.group()
    return []


def agent_introductions(segments: list[dict[str, Any]], language: str,
                        keep_terms: tuple[str, ...] = ()) -> dict[int, list[tuple[int, int]]]:
    """segment index -> spans of the agent's self-introduced first name in its text."""
    pattern, opening, handover = (table.get(language) for table in (SELF_INTRODUCTION, OPENING, HANDOVER))
    if pattern is None or opening is None or handover is None:
        return {}
    if keep_terms:  # the company's own name opens a greeting too
        names = "|".join(re.escape(t.strip()) for t in keep_terms if t.strip())
        opening = re.compile(f"{opening.pattern}|{names}", re.IGNORECASE) if names else opening
    spans: dict[int, list[tuple[int, int]]] = {}
    if any(s["speaker"] == "agent" for s in segments):
        # The agent introduces themselves as the call opens: among their first turns or near the
        # start. "My name's Maureen Fletcher" later on the agent's side is the caller's, mislabelled.
        agent_turns = 0
        for index, segment in enumerate(segments):
            if segment["speaker"] == "agent":
                agent_turns += 1
                if agent_turns > MONO_GREETING_SEGMENTS and segment["start"] > MONO_GREETING_WITHIN_S:
                    break
                found = [name_span(m) for m in introductions_in(pattern, segment["text"])]
                if found:
                    spans[index] = found
        return spans
    # Mono ASR can glue the caller's "Hi, I'm Thomas" onto the greeting: only the first greeting
    # among the first turns counts, and "I am" (what callers say) never does.
    for index, segment in enumerate(segments[:MONO_GREETING_SEGMENTS]):
        if segment["start"] > MONO_GREETING_WITHIN_S or segment["speaker"] != "unknown":
            break
        names = _mono_introduction(segment["text"], pattern, opening, handover)
        if names:
            return {index: names}
    return spans


def greeted_back(segments: list[dict[str, Any]], introductions: dict[int, list[tuple[int, int]]],
                 language: str) -> dict[int, list[tuple[int, int]]]:
    """segment index -> span of the agent's introduced name where the next turn greets them by it."""
    pattern = GREETED_BACK.get(language)
    found: dict[int, list[tuple[int, int]]] = {}
    for index, spans in introductions.items():
        if pattern is None or index + 1 >= len(segments):
            continue
        reply = segments[index + 1]
        if reply["speaker"] == segments[index]["speaker"] != "unknown":
            continue
        for start, end in spans:
            name = re.escape(segments[index]["text"][start:end])
            match = re.search(pattern.format(name=name), reply["text"])
            if match:
                found.setdefault(index + 1, []).append(match.span(1))
    return found


def without_ordinary_words(segments: list[dict[str, Any]],
                           found: dict[int, list[tuple[int, int]]]) -> dict[int, list[tuple[int, int]]]:
    """Answered names less those made only of dictionary words with no name reading: a reply that
    opens with the thing asked for ("Квитанция... ДМ 4512.", "Телефон 8916...") names no one, and
    the word would be swept through the call («номер квитанции»)."""
    kept = {index: [(a, b) for a, b in spans if not only_ordinary_words(segments[index]["text"][a:b])]
            for index, spans in found.items()}
    return {index: spans for index, spans in kept.items() if spans}


def _drop_values(known: dict[str, set[str]], values: set[str]) -> dict[str, set[str]]:
    lowered = {v.lower() for v in values}
    return {t: {v for v in vs if v.lower() not in lowered} for t, vs in known.items()}


def heard_card_numbers(segments: list[dict], findings: list[list[Finding]], language: str) -> list[list[Finding]]:
    """Each segment's findings with the card numbers heard during card talk (agents.redact.cards)
    as CREDIT_CARD, over whatever else was found inside them: the whole number is redacted, and the
    label is what the card read-back check and a QA lead see."""
    texts = [s["text"] for s in segments]
    talk = card_talk_turns(texts, language)
    across = cards_across_turns(texts, [s.get("speaker", "unknown") for s in segments], language, talk)
    out = []
    for index, (segment, found, card_talk) in enumerate(zip(segments, findings, talk)):
        asked = segments[index - 1]["text"] if index else ""
        cards = heard_card_spans(segment["text"], language, asked) if card_talk else []
        cards += [(a, b) for a, b in across.get(index, ()) if not any(c <= a and b <= d for c, d in cards)]
        inside = lambda f: any(a <= f.start and f.end <= b for a, b in cards)  # noqa: E731
        out.append([f for f in found if not inside(f)] + [Finding(a, b, "CREDIT_CARD", 1.0) for a, b in cards])
    return out


def redact_transcript(analyzer: AnalyzerEngine, transcript: dict[str, Any],
                      policy: RedactionPolicy, keep_terms: tuple[str, ...] = ()) -> dict[str, Any]:
    """aica.RedactedTranscript fields except context, audio_uri and redacted_at. `keep_terms`
    (the project's company and product names) are never redacted."""
    segments = transcript["segments"]
    introductions = agent_introductions(segments, policy.language, keep_terms)
    for index, spans in greeted_back(segments, introductions, policy.language).items():
        introductions[index] = introductions.get(index, []) + spans
    agent_names = {segments[i]["text"][a:b] for i, spans in introductions.items() for a, b in spans}
    answers = answered_names(segments, policy.language)
    loose = answered_names_loose(segments, policy.language, _russian_morph() if policy.language == "ru" else None)
    for index, spans in _joined(self_named(segments, policy.language), loose).items():
        answers[index] = answers.get(index, []) + spans
    if policy.language == "ru":
        answers = without_ordinary_words(segments, answers)
    references = ANSWERED_REFERENCES[policy.language](segments) if SPELLED_ID in policy.entities else {}
    secrets = ANSWERED_SECRETS[policy.language](segments) if PASSWORD in policy.entities else {}
    addresses = ANSWERED_ADDRESSES.get(policy.language, lambda _: {})(segments) if ADDRESS in policy.entities else {}
    first_pass = [drop_kept(s["text"], find_entities(analyzer, s["text"], policy, keep_terms)
                            + [Finding(a, b, "PERSON", 0.9) for a, b in answers.get(i, [])]
                            + [Finding(a, b, SPELLED_ID, ANSWERED_REFERENCE_SCORE[policy.language])
                               for a, b in references.get(i, [])]
                            + [Finding(a, b, PASSWORD, 0.8) for a, b in secrets.get(i, [])]
                            + [Finding(a, b, ADDRESS, 0.7) for a, b in addresses.get(i, [])],
                            introductions.get(i, []))
                  for i, s in enumerate(segments)]
    first_pass = heard_card_numbers(segments, first_pass, policy.language)
    # A reference found once is found where it is said again (read back, repeated).
    spelled = {i: [(f.start, f.end) for f in found if f.entity_type == SPELLED_ID] for i, found in enumerate(first_pass)}
    for index, spans in repeated_references(segments, spelled).items():
        first_pass[index] = first_pass[index] + [Finding(a, b, SPELLED_ID, 0.5) for a, b in spans]
    # Twice: a name joined to a value found only by the sweep ("<PERSON> Whitfield", where the first
    # name was caught in another turn) is itself swept through the call.
    known: dict[str, set[str]] = {}
    for _ in range(2):
        swept = [findings + swept_values(segment["text"], findings, known, keep_terms, introductions.get(index, []))
                 for index, (segment, findings) in enumerate(zip(segments, first_pass))]
        known = {}
        for segment, findings in zip(segments, swept):
            for entity_type, values in collect_known_values(segment["text"], findings).items():
                known.setdefault(entity_type, set()).update(values)
        # A client's "thanks, Daniel" must not wipe the agent's introduction via the sweep below.
        known = _drop_values(known, agent_names)
    out_segments, entities = [], []
    for index, (segment, findings) in enumerate(zip(segments, first_pass)):
        findings = findings + swept_values(segment["text"], findings, known, keep_terms, introductions.get(index, []))
        text, spans = apply_redaction(segment["text"], findings)
        words = redact_words(segment["words"],
                             _word_findings(analyzer, segment, findings, policy, known, keep_terms))
        out_segments.append({"start": segment["start"], "end": segment["end"],
                             "speaker": segment["speaker"], "text": text, "words": words})
        entities.extend({"segment": index, **span} for span in spans)
    return {"language": transcript["language"], "audio_duration_s": transcript["audio_duration_s"],
            "channels": transcript["channels"], "segments": out_segments, "entities": entities}
