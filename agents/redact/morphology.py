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
