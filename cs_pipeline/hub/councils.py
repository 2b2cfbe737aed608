"""The councils file: which councils a regional hub runs the pipeline for, each with its own environment.

A YAML file (docs/regional.md):

    regional:                       # where the combined regional set goes, and how strict combining is
      warehouse_url: duckdb:///regional/regional_set.duckdb
      output_dir: regional/output
      max_age_hours: 36             # a council's copy older than this is refused
      on_refused: skip              # skip: combine the others and name the refused; fail: combine nothing
    defaults:
      env:                          # CS_PIPELINE_* settings every council gets unless it sets its own
        CS_PIPELINE_SHARED_HASH_KEY: ${CS_HUB_SHARED_HASH_KEY}
    councils:
      - la_code: "202"
        name: Camden
        cms_url: mssql+pyodbc://reader:${CAMDEN_CMS_PASSWORD}@cms.camden/ssd?driver=ODBC+Driver+18+for+SQL+Server
        health_dir: /srv/hub/202/health
        warehouse_url: postgresql://pipeline:${CAMDEN_WH_PASSWORD}@pg.hub/cs_202
        output_dir: /srv/hub/202/output
        dagster_home: /srv/hub/202/dagster_home    # optional: <file's folder>/dagster_home/<la_code>
        env: {CS_PIPELINE_LOCAL_STANDARDS: '{"cp_visit_working_days": 15}'}

``${NAME}`` is read from the hub's environment when a council runs, never stored. The file itself holds no secret:
a password in a URL, or a setting named like a key, password, secret or token, must be a ``${NAME}`` reference, or
the file is refused. Relative paths (and ``sqlite:///`` / ``duckdb:///`` relative paths) are taken from the file's
folder, so a hub folder can move.
"""
from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_WHOLE_REFERENCE = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")
_LA_CODE = re.compile(r"^[0-9]{3}$")
_SECRET_NAME = re.compile(r"(KEY|PASSWORD|PASSWD|SECRET|TOKEN|PWD)", re.IGNORECASE)
_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://([^/@?#]*)@")
_QUERY_PASSWORD = re.compile(r"(?i)(?:password|passwd|pwd)\s*=\s*([^;&]*)")
# set from the council's own fields: its env block may not override them
FIELD_VARIABLES = {
    "CS_PIPELINE_LA_CODE": "la_code",
    "CS_PIPELINE_CMS_URL": "cms_url",
    "CS_PIPELINE_HEALTH_DIR": "health_dir",
    "CS_PIPELINE_WAREHOUSE_URL": "warehouse_url",
    "CS_PIPELINE_OUTPUT_DIR": "output_dir",
}
ON_REFUSED = ("skip", "fail")
DEFAULT_MAX_AGE_HOURS = 36.0
DEFAULT_TIMEOUT_MINUTES = 180.0
DEFAULT_COUNCIL_CRON = "0 5 * * *"
DEFAULT_COMBINE_CRON = "0 8 * * *"


class CouncilsFileError(ValueError):
    """The councils file is malformed or holds a secret in clear text (the message names the place)."""


class MissingReference(ValueError):
    """A ${NAME} the council needs is not set in the hub's environment (the message names it, never a value)."""


def references(text: str) -> set[str]:
    return set(REFERENCE.findall(text or ""))


def resolve(text: str, env: Mapping[str, str], where: str) -> str:
    """Every ${NAME} in text replaced by its value in env; MissingReference names the first one unset."""
    missing = sorted(name for name in references(text) if name not in env)
    if missing:
        raise MissingReference(f"{where} needs ${{{missing[0]}}}, which is not set in the hub's environment")
    return REFERENCE.sub(lambda m: env[m.group(1)], text)


def _check_no_clear_password(text: str, where: str) -> None:
    """A URL's password (user:password@, or password=/PWD= in its query, as ODBC strings carry it) must be a
    ${NAME} reference: the councils file is kept with the hub's code, the secrets only in its environment."""
    userinfo = _USERINFO.match(text)
    if userinfo and ":" in userinfo.group(1):
        password = userinfo.group(1).split(":", 1)[1]
        if password and not _WHOLE_REFERENCE.match(urllib.parse.unquote(password)):
            raise CouncilsFileError(f"{where}: the password must be a ${{NAME}} reference to an environment variable, "
                                    "not written in the councils file")
    for value in _QUERY_PASSWORD.findall(urllib.parse.unquote(text)):
        if value.strip() and not _WHOLE_REFERENCE.match(value.strip()):
            raise CouncilsFileError(f"{where}: the password must be a ${{NAME}} reference to an environment variable, "
                                    "not written in the councils file")


def _anchor_path(text: str, base: Path) -> str:
    if not text or text.startswith("${") or Path(text).is_absolute():
        return text
    return str(base / text)


def _anchor_url(text: str, base: Path) -> str:
    """sqlite:///rel.sqlite and duckdb:///rel.duckdb are relative to the councils file's folder (four slashes: absolute)."""
    for scheme in ("sqlite:///", "duckdb:///"):
        if text.startswith(scheme):
            rest = text[len(scheme):]
            if rest and not rest.startswith(("/", ":memory:", "${")):
                return scheme + str(base / rest)
    return text


def _text(entry: Mapping, name: str, where: str, required: bool = True) -> str:
    value = entry.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise CouncilsFileError(f"{where}: {name} is required")
        return ""
    if isinstance(value, (dict, list)):
        raise CouncilsFileError(f"{where}: {name} must be text")
    return str(value).strip()


def _env_block(value, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise CouncilsFileError(f"{where}: env must be a mapping of CS_PIPELINE_* variables")
    env = {}
    for name, raw in value.items():
        name = str(name)
        if not name.startswith("CS_PIPELINE_"):
            raise CouncilsFileError(f"{where}: env may set CS_PIPELINE_* settings only, not {name}")
        if name in FIELD_VARIABLES:
            raise CouncilsFileError(f"{where}: set {name} with the council's {FIELD_VARIABLES[name]} field")
        text = "" if raw is None else str(raw)
        if _SECRET_NAME.search(name.removeprefix("CS_PIPELINE_")) and text and not _WHOLE_REFERENCE.match(text):
            raise CouncilsFileError(f"{where}: {name} is a secret: give it as a ${{NAME}} reference to an environment "
                                    "variable, not its value")
        _check_no_clear_password(text, f"{where}: {name}")
        env[name] = text
    return env


@dataclass(frozen=True)
class Council:
    """One council as the councils file gives it (values may hold ${NAME} references, resolved at run time)."""

    la_code: str
    name: str
    cms_url: str
    health_dir: str
    warehouse_url: str
    output_dir: str
    dagster_home: str
    env: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def label(self) -> str:
        return f"{self.la_code} ({self.name})"

    def references(self) -> set[str]:
        found = set()
        for text in (self.cms_url, self.health_dir, self.warehouse_url, self.output_dir, self.dagster_home,
                     *self.env.values()):
            found |= references(text)
        return found

    def settings_environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The council's CS_PIPELINE_* variables with references resolved from env (default: this process's)."""
        env = os.environ if env is None else env
        where = f"council {self.label}"
        values = {"CS_PIPELINE_LA_CODE": self.la_code}
        for variable, attribute in FIELD_VARIABLES.items():
            if attribute != "la_code":
                values[variable] = resolve(getattr(self, attribute), env, f"{where}: {attribute}")
        for variable, text in self.env.items():
            values[variable] = resolve(text, env, f"{where}: {variable}")
        return values

    def resolved_warehouse_url(self, env: Mapping[str, str] | None = None) -> str:
        return resolve(self.warehouse_url, os.environ if env is None else env, f"council {self.label}: warehouse_url")

    def resolved_dagster_home(self, env: Mapping[str, str] | None = None) -> Path:
        return Path(resolve(self.dagster_home, os.environ if env is None else env, f"council {self.label}: dagster_home"))


@dataclass(frozen=True)
class RegionalSettings:
    warehouse_url: str = ""
    output_dir: str = ""
    max_age_hours: float = DEFAULT_MAX_AGE_HOURS
    on_refused: str = "skip"
    timeout_minutes: float = DEFAULT_TIMEOUT_MINUTES  # a council's run is stopped after this (the hub's asset)
    council_cron: str = DEFAULT_COUNCIL_CRON  # the hub's nightly council runs, England's time
    combine_cron: str = DEFAULT_COMBINE_CRON  # the hub's nightly combination, England's time

    def resolved_warehouse_url(self, env: Mapping[str, str] | None = None) -> str:
        return resolve(self.warehouse_url, os.environ if env is None else env, "regional: warehouse_url")


@dataclass(frozen=True)
class Hub:
    path: Path
    councils: tuple[Council, ...]
    regional: RegionalSettings

    def council(self, la_code: str) -> Council:
        for council in self.councils:
            if council.la_code == str(la_code):
                return council
        raise KeyError(f"no council {la_code} in {self.path}")

    def references(self) -> set[str]:
        """Every ${NAME} the file refers to: kept out of a council's process unless resolved into its settings, so
        one council's run never sees another's passwords."""
        found = references(self.regional.warehouse_url) | references(self.regional.output_dir)
        for council in self.councils:
            found |= council.references()
        return found

    def child_environment(self, council: Council, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment a council's pipeline process runs in: the hub's, less every CS_PIPELINE_* variable and
        every variable the councils file refers to, plus the council's own settings and Dagster instance."""
        env = os.environ if env is None else env
        dropped = self.references() | {"DAGSTER_HOME"}
        child = {k: v for k, v in env.items() if k not in dropped and not k.startswith("CS_PIPELINE_")}
        child |= council.settings_environment(env)
        child["DAGSTER_HOME"] = str(council.resolved_dagster_home(env))
        return child


def load_councils(path: str | Path) -> Hub:
    """Read and check a councils file; CouncilsFileError names what is wrong and where."""
    path = Path(path).resolve()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CouncilsFileError(f"councils file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise CouncilsFileError(f"councils file {path} is not YAML: {exc}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("councils"), list) or not data["councils"]:
        raise CouncilsFileError(f"{path}: needs a non-empty list 'councils'")
    base = path.parent
    known_top = {"regional", "defaults", "councils"}
    unknown = sorted(set(data) - known_top)
    if unknown:
        raise CouncilsFileError(f"{path}: unknown section(s) {', '.join(unknown)}; known: {', '.join(sorted(known_top))}")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping) or set(defaults) - {"env"}:
        raise CouncilsFileError(f"{path}: defaults may hold env only")
    default_env = _env_block(defaults.get("env"), f"{path}: defaults")

    councils = []
    known = {"la_code", "name", "cms_url", "health_dir", "warehouse_url", "output_dir", "dagster_home", "env"}
    for number, entry in enumerate(data["councils"], start=1):
        where = f"{path}: council {number}"
        if not isinstance(entry, Mapping):
            raise CouncilsFileError(f"{where}: must be a mapping")
        la_code = _text(entry, "la_code", where)
        if not _LA_CODE.match(la_code):
            raise CouncilsFileError(f"{where}: la_code must be a 3-digit DfE LA code (quote it: \"202\"), got {la_code!r}")
        where = f"{path}: council {la_code}"
        unknown = sorted(set(entry) - known)
        if unknown:
            raise CouncilsFileError(f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        cms_url = _anchor_url(_text(entry, "cms_url", where), base)
        warehouse_url = _anchor_url(_text(entry, "warehouse_url", where), base)
        for name, text in (("cms_url", cms_url), ("warehouse_url", warehouse_url)):
            _check_no_clear_password(text, f"{where}: {name}")
        councils.append(Council(
            la_code=la_code,
            name=_text(entry, "name", where),
            cms_url=cms_url,
            health_dir=_anchor_path(_text(entry, "health_dir", where), base),
            warehouse_url=warehouse_url,
            output_dir=_anchor_path(_text(entry, "output_dir", where), base),
            dagster_home=_anchor_path(_text(entry, "dagster_home", where, required=False)
                                      or str(Path("dagster_home") / la_code), base),
            env=default_env | _env_block(entry.get("env"), where),
        ))

    regional_entry = data.get("regional") or {}
    if not isinstance(regional_entry, Mapping):
        raise CouncilsFileError(f"{path}: regional must be a mapping")
    known = {"warehouse_url", "output_dir", "max_age_hours", "on_refused", "timeout_minutes", "council_cron",
             "combine_cron"}
    unknown = sorted(set(regional_entry) - known)
    if unknown:
        raise CouncilsFileError(f"{path}: regional: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    regional_url = _anchor_url(_text(regional_entry, "warehouse_url", f"{path}: regional", required=False), base)
    _check_no_clear_password(regional_url, f"{path}: regional: warehouse_url")
    try:
        max_age = float(regional_entry.get("max_age_hours", DEFAULT_MAX_AGE_HOURS))
        timeout = float(regional_entry.get("timeout_minutes", DEFAULT_TIMEOUT_MINUTES))
    except (TypeError, ValueError):
        raise CouncilsFileError(f"{path}: regional: max_age_hours and timeout_minutes must be numbers") from None
    on_refused = str(regional_entry.get("on_refused", "skip"))
    if on_refused not in ON_REFUSED:
        raise CouncilsFileError(f"{path}: regional: on_refused must be one of {', '.join(ON_REFUSED)}, got {on_refused!r}")
    regional = RegionalSettings(
        warehouse_url=regional_url,
        output_dir=_anchor_path(_text(regional_entry, "output_dir", f"{path}: regional", required=False), base),
        max_age_hours=max_age, on_refused=on_refused, timeout_minutes=timeout,
        council_cron=str(regional_entry.get("council_cron", DEFAULT_COUNCIL_CRON)),
        combine_cron=str(regional_entry.get("combine_cron", DEFAULT_COMBINE_CRON)),
    )
    _check_separate(path, councils, regional)
    return Hub(path=path, councils=tuple(councils), regional=regional)


def _check_separate(path: Path, councils: list[Council], regional: RegionalSettings) -> None:
    """Each council's data stays its own: no two councils (nor the regional set) share a warehouse, an output
    folder or a Dagster instance."""
    for attribute in ("la_code", "warehouse_url", "output_dir", "dagster_home", "health_dir"):
        seen: dict[str, str] = {}
        for council in councils:
            value = getattr(council, attribute)
            if value in seen:
                raise CouncilsFileError(f"{path}: councils {seen[value]} and {council.la_code} have the same "
                                        f"{attribute}: each council needs its own")
            seen[value] = council.la_code
    for council in councils:
        if regional.warehouse_url and regional.warehouse_url == council.warehouse_url:
            raise CouncilsFileError(f"{path}: the regional warehouse_url is council {council.la_code}'s: the regional "
                                    "set goes in a warehouse of its own")
        if regional.output_dir and regional.output_dir == council.output_dir:
            raise CouncilsFileError(f"{path}: the regional output_dir is council {council.la_code}'s")
