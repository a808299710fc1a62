from __future__ import annotations

import copy

import pytest
import yaml

from catalog.projects import (DEFAULT_PROJECTS_FILE, ProjectConfigError, load_catalog, load_catalog_file,
                           normalise_line, parse_catalog)


@pytest.fixture
def catalog_data() -> dict:
    return yaml.safe_load(DEFAULT_PROJECTS_FILE.read_text(encoding="utf-8"))


def with_project(data: dict, name: str, **fields) -> dict:
    data = copy.deepcopy(data)
    data["projects"][name] = {"scorecard": "support-en", **fields}
    return data


def test_default_catalog_loads_from_settings_without_a_file(settings_factory):
    catalog = load_catalog(settings_factory())
    project = catalog.default
    scorecard = catalog.scorecard(project.scorecard)
    assert project.name == "support-en" and project.language == "en"
    assert scorecard.ref == "support-en@19"
    ids = [c.id for c in scorecard.criteria]
    assert {"greeting", "verification", "empathy", "resolution", "no_rude_language", "recording_disclosure",
            "card_not_read_back", "closing"} == set(ids)
    assert scorecard.criterion("no_rude_language").critical
    assert {c.id for c in scorecard.criteria if c.compliance} == {"recording_disclosure", "card_not_read_back"}


def test_settings_projects_file_is_used(settings_factory, tmp_path, catalog_data):
    path = tmp_path / "projects.yaml"
    path.write_text(yaml.safe_dump(with_project(catalog_data, "sales", lines=["sip7"])), encoding="utf-8")
    catalog = load_catalog(settings_factory(projects_file=path))
    assert catalog.resolve("portal-1", "sip7").name == "sales"


@pytest.mark.parametrize("line", ["74951234567", "+7 (495) 123-45-67", "reg150907"])
def test_known_lines_resolve_to_their_project(line):
    catalog = load_catalog_file(DEFAULT_PROJECTS_FILE)
    assert catalog.resolve("any-portal", line).name == "support-en"


def test_unknown_or_missing_line_falls_back_to_default(catalog_data):
    data = with_project(catalog_data, "sales", lines=["sip7"])
    data["default_project"] = "sales"
    catalog = parse_catalog(data)
    assert catalog.resolve("p", "74990000000").name == "sales"
    assert catalog.resolve("p", None).name == "sales"
    assert catalog.resolve("p", "74951234567").name == "support-en"


def test_portal_specific_line_wins_over_global_mapping(catalog_data):
    data = with_project(catalog_data, "vip", lines=["74951234567"], portals=["portal-a"])
    catalog = parse_catalog(data)
    assert catalog.resolve("portal-a", "74951234567").name == "vip"
    assert catalog.resolve("portal-b", "74951234567").name == "support-en"


def test_line_mapped_twice_in_one_scope_is_rejected(catalog_data):
    with pytest.raises(ProjectConfigError, match="mapped to both"):
        parse_catalog(with_project(catalog_data, "dup", lines=["+7 495 123 45 67"]))


@pytest.mark.parametrize("name, problem", [("UF_CRM_AICA_SENTIMENT", "21 chars"),
                                           ("UF_AICA_QUALITY", "UF_CRM_"),
                                           ("UF_CRM_aica_q", "UF_CRM_")])
def test_crm_field_names_are_validated(catalog_data, name, problem):
    data = with_project(catalog_data, "x", crm_fields={"quality": {"enabled": True, "name": name}})
    with pytest.raises(ProjectConfigError, match=problem) as error:
        parse_catalog(data, "projects.yaml")
    assert "projects.yaml" in str(error.value) and "crm_fields.quality.name" in str(error.value)


def test_disabled_crm_fields_are_not_written():
    catalog = parse_catalog(with_project(yaml.safe_load(DEFAULT_PROJECTS_FILE.read_text()), "x",
                                         crm_fields={"summary": {"enabled": False, "name": "UF_CRM_AICA_SUMMARY"}}))
    fields = catalog.projects["x"].crm_fields.enabled_fields()
    assert "summary" not in fields and fields["quality"] == "UF_CRM_AICA_QUALITY"


def test_reference_errors_are_clear(catalog_data):
    with pytest.raises(ProjectConfigError, match="unknown scorecard 'nope'"):
        parse_catalog(with_project(catalog_data, "x", scorecard="nope"))
    broken = copy.deepcopy(catalog_data)
    broken["default_project"] = "missing"
    with pytest.raises(ProjectConfigError, match="default_project 'missing'"):
        parse_catalog(broken)


def test_bad_regex_and_duplicate_criteria_are_rejected(catalog_data):
    bad = copy.deepcopy(catalog_data)
    bad["scorecards"]["support-en"]["criteria"][0]["rules"] = {"en": ["(unclosed"]}
    with pytest.raises(ProjectConfigError, match=r"bad regex '\(unclosed'"):
        parse_catalog(bad)
    dup = copy.deepcopy(catalog_data)
    criteria = dup["scorecards"]["support-en"]["criteria"]
    criteria.append(dict(criteria[0]))
    with pytest.raises(ProjectConfigError, match="duplicate criterion ids: \\['greeting'\\]"):
        parse_catalog(dup)


def test_rules_accept_plain_phrases_and_all_of_groups(catalog_data):
    data = copy.deepcopy(catalog_data)
    data["scorecards"]["support-en"]["criteria"][0]["rules"] = {"ru": ["здравствуйте", ["меня зовут", "компания"]]}
    greeting = parse_catalog(data).scorecard("support-en").criterion("greeting")
    assert greeting.rules == {"ru": (("здравствуйте",), ("меня зовут", "компания"))}


def test_a_shared_pattern_piece_stands_where_a_rule_names_it(catalog_data):
    data = copy.deepcopy(catalog_data)
    data["pattern_pieces"] = {**data["pattern_pieces"], "weekday": "(monday|friday)"}
    data["scorecards"]["support-en"]["criteria"][0]["rules"] = {
        "en": ["call you back on (?P>weekday)", ["(?P>weekday)", "booked"]]}
    greeting = parse_catalog(data).scorecard("support-en").criterion("greeting")
    assert greeting.rules == {"en": (("call you back on (monday|friday)",), ("(monday|friday)", "booked"))}


@pytest.mark.parametrize("pieces, message", [
    ({}, "no pattern_pieces entry 'weekday'"),
    ({"weekday": "monday|friday"}, "pattern_pieces.weekday must be one regex group"),
])
def test_an_unknown_or_ungrouped_pattern_piece_is_refused(catalog_data, pieces, message):
    data = copy.deepcopy(catalog_data)
    data["pattern_pieces"] = {**data["pattern_pieces"], **pieces}
    data["scorecards"]["support-en"]["criteria"][0]["rules"] = {"en": ["see you on (?P>weekday)"]}
    with pytest.raises(ProjectConfigError, match=message):
        parse_catalog(data)


def test_the_default_catalog_shares_its_russian_when_pieces():
    resolution = load_catalog_file(DEFAULT_PROJECTS_FILE).scorecard("support-ru").criterion("resolution")
    patterns = [p for rules in (resolution.rules, resolution.reject_if) for group in rules["ru"] for p in group]
    assert not any("(?P>" in p for p in patterns)
    assert any(p.startswith("^(?!.*\\b(до|в течение|сегодня") for p in patterns)


def test_unknown_scorecard_lookup_and_unreadable_file(tmp_path):
    catalog = load_catalog_file(DEFAULT_PROJECTS_FILE)
    with pytest.raises(KeyError, match="unknown scorecard"):
        catalog.scorecard("missing")
    with pytest.raises(ProjectConfigError, match="cannot read"):
        load_catalog_file(tmp_path / "absent.yaml")


def test_normalise_line_keeps_sip_ids_and_strips_phone_punctuation():
    assert normalise_line(" +7 (495) 123-45-67 ") == "74951234567"
    assert normalise_line("REST_APP:12") == "REST_APP:12"
    assert normalise_line("reg150907") == "reg150907"


def test_projects_carry_asr_model_vocabulary_and_keep_terms(catalog_data):
    data = with_project(catalog_data, "sales", lines=["sip7"], asr_model="base",
                        vocabulary=["Contoso", "Contoso Cloud"], keep_terms=["Contoso", "Ava"])
    sales = parse_catalog(data).projects["sales"]
    assert sales.asr_model == "base" and sales.vocabulary == ("Contoso", "Contoso Cloud")
    assert sales.redaction_keep_terms == ("Contoso", "Contoso Cloud", "Ava")  # no duplicates
    russian = load_catalog_file(DEFAULT_PROJECTS_FILE).resolve("any-portal", "+7 495 765-43-21")
    assert (russian.name, russian.language, russian.scorecard) == ("support-ru", "ru", "support-ru")
    assert "Northwind Energy" in load_catalog_file(DEFAULT_PROJECTS_FILE).default.vocabulary


def test_rejected_by_must_name_a_forbidding_criterion_of_the_scorecard():
    data = yaml.safe_load(DEFAULT_PROJECTS_FILE.read_text())
    data["scorecards"]["support-en"]["criteria"][2]["rejected_by"] = ["no_such_criterion"]
    with pytest.raises(ValueError, match="rejected_by"):
        parse_catalog(data)
