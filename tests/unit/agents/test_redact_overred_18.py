"""Russian dictionary names: a lower-case word the dictionary does not know (ASR's misheard word,
which pymorphy2 guesses to be a surname from its ending) is no name on its own; beside a name,
after "зовут" or spelled out it still is."""
from agents.redact.russian import dictionary_names, natasha_models


def names(text: str) -> list[str]:
    return [text[a:b] for a, b in dictionary_names(text, natasha_models()["morph"])]


def test_unknown_lowercase_word_alone_is_kept():
    assert names("приедет курьерова завтра после обеда") == []


def test_unknown_lowercase_word_beside_a_real_name_is_removed_with_it():
    found = names("заявку принял Петров курьерова завтра")
    assert "Петров" in found and "курьерова" in found


def test_capitalised_surname_still_removed():
    assert names("заявку оформил Сергей Петров вчера") == ["Сергей", "Петров"]


def test_unknown_lowercase_word_after_introduction_is_removed():
    assert names("меня зовут курьерова") == ["курьерова"]


def test_unknown_lowercase_word_spelled_out_after_it_is_removed():
    assert "шверника" in names("улица шверника ша-в-е-р-ни-ка, дом девять")
