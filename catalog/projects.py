"""Projects (line -> analysis profile) and the catalog file that holds them with their
scorecards (catalog.scorecards).

A project says which language a line speaks, which models and vocabulary its calls get, which
scorecard judges them and which Bitrix24 fields receive the results.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from catalog.languages import check_redaction_languages
from catalog.scorecards import FrozenModel, Scorecard, with_pattern_pieces

DEFAULT_PROJECTS_FILE = Path(__file__).with_name("default_projects.yaml")
# Older Bitrix24 docs cap FIELD_NAME at 20 chars including UF_CRM_ (docs/bitrix24-api.md §4.1, §8).
MAX_FIELD_NAME_CHARS = 20
_FIELD_NAME = re.compile(r"UF_CRM_[A-Z0-9_]+")
_PHONE_LIKE = re.compile(r"[+\d\s().-]+")

class ProjectConfigError(ValueError):
    """The projects file is missing, unreadable or invalid; the message says where, and
    `problems` lists (path in the file, message) for tools that point at lines."""

    def __init__(self, message: str, problems: list[tuple[tuple, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class CrmField(FrozenModel):
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


class CrmFieldMap(FrozenModel):
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


class Project(FrozenModel):
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


class _CatalogFile(FrozenModel):
    projects: dict[str, Project] = Field(min_length=1)
    default_project: str
    # Regex pieces that several rules share, written once: `(?P>name)` in a scorecard pattern
    # stands for pattern_pieces[name] (catalog.scorecards.with_pattern_pieces).
    pattern_pieces: dict[str, str] = {}
    scorecards: dict[str, Scorecard]

    @model_validator(mode="before")
    @classmethod
    def _names_from_keys(cls, data: object) -> object:
        if isinstance(data, dict):
            pieces = data.get("pattern_pieces") or {}
            if isinstance(pieces, dict) and isinstance(data.get("scorecards"), dict):
                data = {**data, "scorecards": with_pattern_pieces(data["scorecards"], pieces)}
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


class PortalProjects(FrozenModel):
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
