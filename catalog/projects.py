"""Projects (line -> analysis profile) and versioned scorecards, loaded from one YAML file.

A project says which language a line speaks, which scorecard judges its calls and which
Bitrix24 fields receive the results. Scorecards are versioned: a new version is a new contract,
so scores from different versions are never mixed silently.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from catalog.languages import check_redaction_languages

DEFAULT_PROJECTS_FILE = Path(__file__).with_name("default_projects.yaml")
# Older Bitrix24 docs cap FIELD_NAME at 20 chars including UF_CRM_ (docs/bitrix24-api.md §4.1, §8).
MAX_FIELD_NAME_CHARS = 20
_FIELD_NAME = re.compile(r"UF_CRM_[A-Z0-9_]+")
_PHONE_LIKE = re.compile(r"[+\d\s().-]+")

RuleSet = dict[str, tuple[tuple[str, ...], ...]]  # language -> alternatives (all regexes of one must match)


class ProjectConfigError(ValueError):
    """The projects file is missing, unreadable or invalid; the message says where, and
    `problems` lists (path in the file, message) for tools that point at lines."""

    def __init__(self, message: str, problems: list[tuple[tuple, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _normalise_rules(value: object) -> RuleSet:
    """`{en: ["phrase", ["both", "of these"]]}` -> `{en: (("phrase",), ("both", "of these"))}`."""
    if not isinstance(value, dict):
        raise ValueError("rules must map a language code to a list of patterns")
    out: RuleSet = {}
    for language, alternatives in value.items():
        if not isinstance(alternatives, list):
            raise ValueError(f"rules.{language} must be a list")
        groups = tuple(tuple(alt) if isinstance(alt, list) else (alt,) for alt in alternatives)
        for pattern in (p for group in groups for p in group):
            if not isinstance(pattern, str) or not pattern.strip():
                raise ValueError(f"rules.{language}: every pattern must be a non-empty string")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"rules.{language}: bad regex {pattern!r}: {exc}") from exc
        out[str(language)] = groups
    return out


class Examples(_Frozen):
    """Example utterances of one language for the semantic engine (agents/analyze/semantic.py):
    positive = what the criterion looks for (for `expect: absent`, the forbidden kind of talk);
    negative = near misses that must not count (a question instead of a commitment, a refusal);
    applies = talk that makes the criterion applicable (none of it -> verdict "na")."""

    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    applies: tuple[str, ...] = ()


class Criterion(_Frozen):
    """One scorecard item. Rules are regexes (plain phrases work as-is), matched case-insensitively
    on whole words; an alternative that is a list needs all its patterns in the same turn. Examples
    add judgement by meaning: a sentence whose cosine similarity to the nearest positive example
    reaches `threshold` (and beats the nearest negative) counts like a rule match. `reject_if`
    regexes disqualify a sentence as positive evidence (refusals: "I can't guarantee")."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    description: str = ""  # what the LLM engine is told; the label when empty
    weight: float = Field(gt=0)
    critical: bool = False
    compliance: bool = False
    advice: str = ""
    expect: Literal["present", "absent"] = "present"  # absent: a match is a failure (rude words)
    speaker: Literal["agent", "client", "any"] = "agent"
    within_first_s: float | None = Field(default=None, gt=0)
    within_last_s: float | None = Field(default=None, gt=0)
    rules: RuleSet = Field(default_factory=dict)
    applies_if: RuleSet = Field(default_factory=dict)  # any turn; no match -> verdict na
    reject_if: RuleSet = Field(default_factory=dict)  # a sentence matching one is never positive evidence
    examples: dict[str, Examples] = Field(default_factory=dict)  # language -> example utterances
    # Cosine threshold: one number, or per language ({en: 0.9, ru: 0.88}); calibrated by bench/qa_eval/calibrate.py.
    threshold: float | dict[str, float] | None = None
    applies_threshold: float | dict[str, float] | None = None

    @field_validator("rules", "applies_if", "reject_if", mode="before")
    @classmethod
    def _check_rules(cls, value: object) -> RuleSet:
        return _normalise_rules(value or {})

    def threshold_for(self, language: str, default: float) -> float:
        return _per_language(self.threshold, language, default)

    def applies_threshold_for(self, language: str, default: float) -> float:
        return _per_language(self.applies_threshold, language, default)

    @property
    def prompt_text(self) -> str:
        return self.description or self.label


def _per_language(value: float | dict[str, float] | None, language: str, default: float) -> float:
    if isinstance(value, dict):
        return float(value.get(language, default))
    return default if value is None else float(value)


class Thresholds(_Frozen):
    good: int = Field(default=80, ge=0, le=100)
    needs_attention: int = Field(default=60, ge=0, le=100)


class Scorecard(_Frozen):
    id: str
    version: str
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    thresholds: Thresholds = Thresholds()
    # A failed critical item caps the score below "needs_attention" so the number never reads as OK.
    critical_cap: int = Field(default=40, ge=0, le=100)

    @field_validator("criteria")
    @classmethod
    def _unique_ids(cls, criteria: tuple[Criterion, ...]) -> tuple[Criterion, ...]:
        ids = [c.id for c in criteria]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate criterion ids: {duplicates}")
        return criteria

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)


class CrmField(_Frozen):
    enabled: bool = True
    name: str

    @field_validator("name")
    @classmethod
    def _bitrix_name(cls, name: str) -> str:
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"{name!r} must look like UF_CRM_<A-Z 0-9 _>")
        if len(name) > MAX_FIELD_NAME_CHARS:
            raise ValueError(f"{name!r} is {len(name)} chars; keep Bitrix24 field names <= {MAX_FIELD_NAME_CHARS}")
        return name


class CrmFieldMap(_Frozen):
    """Logical result -> the Bitrix24 user field that receives it."""

    quality: CrmField = CrmField(name="UF_CRM_AICA_QUALITY")
    summary: CrmField = CrmField(name="UF_CRM_AICA_SUMMARY")
    improvements: CrmField = CrmField(name="UF_CRM_AICA_IMPROVE")
    compliance: CrmField = CrmField(name="UF_CRM_AICA_COMPLY")

    def enabled_fields(self) -> dict[str, str]:
        return {key: f.name for key, f in self if f.enabled}


def normalise_line(line: str) -> str:
    """Phone-number lines compare by digits ("+7 495 123-45-67" == "74951234567"); SIP ids as given."""
    line = line.strip()
    return re.sub(r"\D", "", line) if _PHONE_LIKE.fullmatch(line) else line


class Project(_Frozen):
    name: str = ""
    language: str = Field(default="en", pattern=r"^[a-z]{2}$")
    lines: tuple[str, ...] = ()
    portals: tuple[str, ...] = ()  # member_ids this project serves; empty = every portal
    scorecard: str
    # Whisper model: tiny.en | base | a CTranslate2 directory. Empty: tiny.en (settings.asr_model)
    # for English, the multilingual base for any other language.
    asr_model: str = ""
    # Company and product names: passed to the ASR as hotwords and never redacted.
    vocabulary: tuple[str, ...] = ()
    keep_terms: tuple[str, ...] = ()  # further words redaction keeps (brands, the IVR's name)
    crm_fields: CrmFieldMap = CrmFieldMap()
    write_to: tuple[Literal["contact", "deal", "lead", "company"], ...] = ("contact", "deal")

    @property
    def redaction_keep_terms(self) -> tuple[str, ...]:
        """What the redact stage must leave in the text: not the customer's personal data."""
        return tuple(dict.fromkeys(t for t in (*self.vocabulary, *self.keep_terms) if t.strip()))


class _CatalogFile(_Frozen):
    projects: dict[str, Project] = Field(min_length=1)
    default_project: str
    scorecards: dict[str, Scorecard]

    @model_validator(mode="before")
    @classmethod
    def _names_from_keys(cls, data: object) -> object:
        if isinstance(data, dict):
            for key in ("projects", "scorecards"):
                items = data.get(key)
                if isinstance(items, dict):
                    field = "name" if key == "projects" else "id"
                    data = {**data, key: {k: {**(v or {}), field: k} for k, v in items.items()}}
        return data

    @model_validator(mode="after")
    def _references(self) -> _CatalogFile:
        if self.default_project not in self.projects:
            raise ValueError(f"default_project {self.default_project!r} is not among projects")
        for project in self.projects.values():
            if project.scorecard not in self.scorecards:
                raise ValueError(f"project {project.name!r}: unknown scorecard {project.scorecard!r}")
        check_redaction_languages(self.projects.values())
        _line_index(self.projects.values())  # raises on a line claimed twice
        return self


def _line_index(projects) -> dict[tuple[str, str], Project]:
    index: dict[tuple[str, str], Project] = {}
    for project in projects:
        for portal in project.portals or ("*",):
            for line in project.lines:
                key = (portal, normalise_line(line))
                if key in index:
                    raise ValueError(f"line {line!r} is mapped to both {index[key].name!r} and {project.name!r}")
                index[key] = project
    return index


class ProjectCatalog:
    """Resolves a call's (portal, line) to its project; portal-specific mappings win over global ones."""

    def __init__(self, projects: dict[str, Project], default_project: str, scorecards: dict[str, Scorecard]):
        self.projects = dict(projects)
        self.default = projects[default_project]
        self.scorecards = dict(scorecards)
        self._by_line = _line_index(projects.values())

    def resolve(self, member_id: str, line: str | None) -> Project:
        if line:
            key = normalise_line(line)
            return self._by_line.get((member_id, key)) or self._by_line.get(("*", key)) or self.default
        return self.default

    def scorecard(self, scorecard_id: str) -> Scorecard:
        try:
            return self.scorecards[scorecard_id]
        except KeyError:
            raise KeyError(f"unknown scorecard {scorecard_id!r}") from None

    def for_portal(self, member_id: str) -> ProjectCatalog:
        """The catalog one portal's calls use; catalog.portal_settings.PortalCatalogs adds overrides."""
        return self


class PortalProjects(_Frozen):
    """A portal admin's projects (dashboard settings): scorecards come from the base catalog."""

    projects: dict[str, Project] = Field(min_length=1)
    default_project: str

    @model_validator(mode="before")
    @classmethod
    def _names_from_keys(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("projects"), dict):
            projects = {k: {**(v or {}), "name": k, "portals": []} for k, v in data["projects"].items()}
            data = {**data, "projects": projects}
        return data

    @model_validator(mode="after")
    def _own_references(self) -> PortalProjects:
        if self.default_project not in self.projects:
            raise ValueError(f"default_project {self.default_project!r} is not among projects")
        check_redaction_languages(self.projects.values())
        _line_index(self.projects.values())  # raises on a line claimed twice
        return self


def parse_portal_projects(data: object, base: ProjectCatalog) -> PortalProjects:
    """Validated portal projects, or ProjectConfigError saying what is wrong where."""
    try:
        parsed = PortalProjects.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        raise ProjectConfigError(problems) from None
    unknown = sorted({p.scorecard for p in parsed.projects.values()} - set(base.scorecards))
    if unknown:
        raise ProjectConfigError(f"unknown scorecards {unknown}; choose from {sorted(base.scorecards)}")
    return parsed


def portal_catalog(base: ProjectCatalog, own: PortalProjects, member_id: str) -> ProjectCatalog:
    """The base catalog as one portal sees it with its own projects on top: same-named projects
    are replaced, lines the portal mapped are taken from base projects, its default wins."""
    claimed = {normalise_line(line) for p in own.projects.values() for line in p.lines}
    projects = {
        name: p.model_copy(update={"lines": tuple(l for l in p.lines if normalise_line(l) not in claimed)})
        for name, p in base.projects.items() if not p.portals or member_id in p.portals}
    projects |= {name: p.model_copy(update={"portals": (member_id,)}) for name, p in own.projects.items()}
    return ProjectCatalog(projects, own.default_project, base.scorecards)


def parse_catalog(data: object, source: str = "<data>") -> ProjectCatalog:
    try:
        parsed = _CatalogFile.model_validate(data)
    except ValidationError as exc:
        problems = [(tuple(e["loc"]), e["msg"]) for e in exc.errors()]
        text = "; ".join(f"{'.'.join(map(str, loc)) or 'file'}: {msg}" for loc, msg in problems)
        raise ProjectConfigError(f"{source}: {text}", problems) from None
    return ProjectCatalog(parsed.projects, parsed.default_project, parsed.scorecards)


def load_catalog_file(path: Path) -> ProjectCatalog:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProjectConfigError(f"{path}: cannot read projects file: {exc}") from None
    return parse_catalog(data, str(path))


def load_catalog(settings) -> ProjectCatalog:
    """settings.projects_file, or the packaged default profile when unset."""
    return load_catalog_file(settings.projects_file or DEFAULT_PROJECTS_FILE)
