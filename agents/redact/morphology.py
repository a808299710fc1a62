"""natasha's models and pymorphy2's readings of Russian words, loaded once: shared by the Russian
recognisers (russian.py) and the Russian details read by their place in the call (russian_details.py)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def dictionary() -> Any:
    """natasha's MorphVocab (pymorphy2's dictionary, ~0.3 s, once), without the NER models."""
    from natasha import MorphVocab

    return MorphVocab()


@lru_cache(maxsize=1)
def natasha_models() -> dict[str, Any]:
    """natasha's segmenter, NER tagger, morphology and address extractor (~1-2 s, once); the word
    embedding is kept for the analysis's syntax parse (agents/analyze/reproach_ru.py)."""
    from natasha import AddrExtractor, NewsEmbedding, NewsNERTagger, Segmenter

    morph = dictionary()
    embedding = NewsEmbedding()
    return {"segmenter": Segmenter(), "ner": NewsNERTagger(embedding), "morph": morph,
            "addresses": AddrExtractor(morph), "embedding": embedding}


@lru_cache(maxsize=50_000)
def parses(morph: Any, word: str) -> tuple[Any, ...]:
    """pymorphy2's readings of a lower-case word, most likely first, once per word."""
    import pymorphy2

    # MorphVocab.parse simplifies the tags; the base class keeps the Name/Surn/Patr grammemes.
    return tuple(pymorphy2.MorphAnalyzer.parse(morph, word))


@lru_cache(maxsize=5_000)
def word_forms(word: str) -> frozenset[str]:
    """Every form of a Russian word in the paradigms of its likely readings, lower case, ё as е:
    "Вера" -> вера, веры, вере, веру, верой...; not "верно", which only shares its stem. The
    dictionary guesses a paradigm for a word it does not know (a surname) from its ending."""
    key = word.lower().replace("ё", "е")
    forms = {key}
    for parse in parses(dictionary(), word.lower())[:4]:
        forms |= {form.word.replace("ё", "е") for form in parse.lexeme}
    return frozenset(forms)


def lemmas(word: str) -> frozenset[str]:
    """The dictionary forms of a Russian word's likely readings, lower case, ё as е."""
    return frozenset(p.normal_form.replace("ё", "е") for p in parses(dictionary(), word.lower())[:4])


def in_dictionary_form(word: str) -> bool:
    """Whether the word's likely reading is its own dictionary form, or a nominative ("Вера",
    "Гороховая", "Тихонова"); not a stem or an oblique form ("Садов", "Онежск", "Шверника")."""
    readings = parses(dictionary(), word.lower())
    return bool(readings) and readings[0].is_known and (
        readings[0].tag.case == "nomn" or readings[0].normal_form == word.lower())


def known_word(word: str) -> bool:
    """Whether the dictionary knows the word rather than guessing its paradigm from its ending: a
    misheard surname ("руденка" for "Руденко") is not known."""
    readings = parses(dictionary(), word.lower())
    return bool(readings) and readings[0].is_known


def same_word(word: str, form: str) -> bool:
    """Whether `form` is a form of `word`: in its paradigm, or read with one of its dictionary forms."""
    return form.lower().replace("ё", "е") in word_forms(word) or bool(lemmas(word) & lemmas(form))
