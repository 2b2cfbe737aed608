"""The Dagster UI in a real browser (issue 12): what a council analyst sees after the demo.

A small synthetic council is materialised end to end (the demo command, as ``test_end_to_end`` runs it), then
``dagster dev -w workspace.yaml`` (what ``make ui`` runs) serves that run's DAGSTER_HOME on a free localhost port and
Debian's headless chromium, driven by selenium, opens:

* the global asset lineage (``/asset-groups``): every asset group is a node of the graph; and the marts group's
  lineage focused on the IHA mart (``/asset-groups~group:"marts"/marts/iha_timeliness``): the mart is materialised,
  its checks all passed and its dbt description is shown;
* the IHA mart's Checks tab (``/assets/marts/iha_timeliness?view=checks``): the dbt tests of
  ``_marts__models.yml`` are listed as checks that succeeded;
* a return table's Checks tab (``/assets/returns/ssda903_episodes?view=checks``): DfE's rules are WARN checks;
  those that flagged rows in the run failed as warnings (not errors), with the run's flag counts.

No page may show a child's name, NHS number or postcode: the UI carries counts and descriptions, never rows.
Screenshots go to ``$CS_PIPELINE_OUTPUT_DIR/screenshots`` (else the demo's ``output/screenshots``); on a failure
the page's screenshot and source are saved beside them and the dagster dev log tail is in the message.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from cs_pipeline.config import PROJECT_ROOT, Settings
from cs_pipeline.lib.warehouse import Warehouse
from cs_pipeline_tests.test_end_to_end import run_demo

pytestmark = [pytest.mark.slow, pytest.mark.ui]

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SERVER_TIMEOUT = 300   # seconds for dagster dev to answer and load the code location (it parses dbt's manifest)
PAGE_TIMEOUT = 60      # seconds for a page to render what a test waits for (generous: 2 loaded cores)
MARTS_YML = PROJECT_ROOT / "dbt_style_sql" / "models" / "marts" / "_marts__models.yml"
IHA_MART = "iha_timeliness"
RETURNS_ASSET = ("returns", "ssda903_episodes")   # the 903 episodes table: most DfE rules are about it


# -- the demo's facts, read from its warehouse -------------------------------------------------------------------
@dataclass
class Demo:
    data_dir: Path
    as_at: str
    personal: dict[str, set[str]] = field(default_factory=dict)   # names / nhs_numbers / postcodes to never show
    rule_runs: dict[str, tuple[str, int]] = field(default_factory=dict)  # ssda903 rule code -> (status, flags)
    rule_assets: dict[str, tuple[str, ...]] = field(default_factory=dict)  # ssda903 rule code -> its check's asset


def _personal_data(warehouse: Warehouse) -> dict[str, set[str]]:
    """A sample of the children the pages are about: the IHA mart's, the DfE rules' flagged, the health extract's."""
    people = warehouse.query_frame(
        "select pers_forename as forename, pers_surname as surname, pers_common_child_id as nhs_number "
        "from raw.ssd_person where pers_person_id in ("
        "  (select person_id from marts.iha_timeliness order by person_id limit 25)"
        "  union (select child_id from returns.dfe_rule_results)) "
        "union all (select given_name, family_name, nhs_number from raw.health_lac_health_assessments "
        "  order by _row_key limit 25)"
    )
    postcodes = warehouse.query_frame(
        "select distinct postcode from raw.health_lac_health_assessments where postcode is not null "
        "order by postcode limit 25")["postcode"]
    names = {str(n).strip() for n in people["forename"].tolist() + people["surname"].tolist() if n}
    full_names = {f"{f} {s}" for f, s in zip(people["forename"], people["surname"]) if f and s}
    nhs = {re.sub(r"\D", "", str(n)) for n in people["nhs_number"] if n}
    return {"names": {n for n in names if len(n) >= 3} | full_names,
            "nhs_numbers": {n for n in nhs if len(n) == 10},
            "postcodes": {str(p).strip() for p in postcodes if str(p).strip()}}


@pytest.fixture(scope="module")
def browser_installed() -> tuple[str, str]:
    """Before the demo's minutes of work: Debian's chromium and its driver are there (a failure, never a skip)."""
    found = [p if Path(p).exists() else shutil.which(Path(p).name) for p in (CHROMIUM, CHROMEDRIVER)]
    missing = [p for p, path in zip((CHROMIUM, CHROMEDRIVER), found) if not path]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: the UI test needs Debian's chromium and its driver "
                    "(apt-get install chromium chromium-driver)")
    return found[0], found[1]


@pytest.fixture(scope="module")
def demo(browser_installed, tmp_path_factory) -> Demo:
    from cs_pipeline.defs.returns.rules import ssda903_rule_checks

    data_dir = tmp_path_factory.mktemp("ui_demo")
    run_demo(data_dir, scale=0.05)
    manifest = json.loads((data_dir / "demo" / "ground_truth" / "manifest.json").read_text())
    config = (data_dir / "dagster_home" / "dagster.yaml").read_text()
    assert "telemetry" in config and "enabled: false" in config, config   # the demo's instance: no telemetry
    warehouse = Warehouse(f"duckdb:///{data_dir / 'warehouse.duckdb'}")
    year = str(Settings.from_env({"CS_PIPELINE_DATA_DIR": str(data_dir), "CS_PIPELINE_AS_AT": manifest["as_at"]})
               .collection_year)   # the year the run's DfE rule checks report on
    runs = warehouse.query_frame(
        "select rule_code, status, flags from returns.dfe_rule_runs where return_name = 'ssda903' "
        "and collection_year = :y", y=year)
    personal = _personal_data(warehouse)
    assert len(personal["names"]) >= 20 and len(personal["nhs_numbers"]) >= 10 and personal["postcodes"], personal
    return Demo(
        data_dir=data_dir,
        as_at=manifest["as_at"],
        personal=personal,
        rule_runs={str(c): (s, int(f)) for c, s, f in runs.itertuples(index=False)},
        rule_assets={spec.name.removeprefix("dfe_"): tuple(spec.asset_key.path)
                     for spec in ssda903_rule_checks.check_specs},
    )


@pytest.fixture(scope="module")
def shots(demo) -> Path:
    out = Path(os.environ["CS_PIPELINE_OUTPUT_DIR"]) if os.environ.get("CS_PIPELINE_OUTPUT_DIR") else (
        demo.data_dir / "output")
    path = out / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- dagster dev ---------------------------------------------------------------------------------------------------
@dataclass
class DagsterUI:
    url: str
    log: Path
    process: subprocess.Popen

    def log_tail(self, chars: int = 4000) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else "(no log)"
        return re.sub(r"\x1b\[[0-9;]*m", "", text)[-chars:]   # without the colour codes


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # localhost, never through a proxy


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with _NO_PROXY.open(request, timeout=30) as response:
        return json.loads(response.read())


WORKSPACE_QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message stack } } } } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _default_signals() -> None:
    # A shell's background job inherits SIGINT ignored, and dagster dev maps SIGTERM to the SIGINT handler: both must
    # be live for it to stop when asked.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _stop(process: subprocess.Popen) -> None:
    """Ctrl-C to dagster dev's process group (it stops the webserver, daemon and code server), then kill what's left."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=45)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def _wait_until_loaded(ui: DagsterUI) -> None:
    deadline, last = time.monotonic() + SERVER_TIMEOUT, "no answer"
    while time.monotonic() < deadline:
        if ui.process.poll() is not None:
            pytest.fail(f"dagster dev exited ({ui.process.returncode}) before serving the UI\n{ui.log_tail()}")
        try:
            with _NO_PROXY.open(f"{ui.url}/server_info", timeout=10) as response:
                assert response.status == 200
            entries = _graphql(ui.url, WORKSPACE_QUERY)["data"]["workspaceOrError"]["locationEntries"]
            last = json.dumps(entries)[:2000]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                errors = [e for e in entries if e["locationOrLoadError"]["__typename"] != "RepositoryLocation"]
                if errors:   # a product problem: the code location does not load
                    pytest.fail(f"code location failed to load in the UI: {last}\n{ui.log_tail()}")
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, KeyError, TypeError) as exc:
            last = repr(exc)
        time.sleep(2)
    pytest.fail(f"dagster dev did not load the code location within {SERVER_TIMEOUT} s (last: {last})\n"
                f"{ui.log_tail()}")


@pytest.fixture(scope="module")
def dagster_ui(demo) -> DagsterUI:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_PIPELINE_")}
    env |= {"CS_PIPELINE_DATA_DIR": str(demo.data_dir), "DAGSTER_HOME": str(demo.data_dir / "dagster_home"),
            "CS_PIPELINE_AS_AT": demo.as_at, "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1"}
    port = _free_port()
    log = demo.data_dir / "dagster_dev.log"
    dagster = Path(sys.executable).with_name("dagster")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(dagster), "dev", "-w", "workspace.yaml", "-p", str(port), "-h", "127.0.0.1"],
            cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_default_signals,
        )
    ui = DagsterUI(f"http://127.0.0.1:{port}", log, process)
    try:
        _wait_until_loaded(ui)
        yield ui
    finally:
        _stop(process)


MONTHS_AND_DAYS = {d.strftime(f) for d in (dt.date(2024, m, 1) for m in range(1, 13)) for f in ("%B", "%b")} | {
    d.strftime(f) for d in (dt.date(2024, 1, n) for n in range(1, 8)) for f in ("%A", "%a")}


@pytest.fixture(scope="module")
def product_words(dagster_ui) -> set[str]:
    """Words the UI shows of its own accord: the code location's asset and check descriptions, month and day names.

    A child whose forename or surname is one of them ("Wales", "May") cannot be told apart by a single word on the
    page; such names are still checked as full names."""
    nodes = _graphql(dagster_ui.url, """{ assetNodes { description
        assetChecksOrError { ... on AssetChecks { checks { description } } } } }""")["data"]["assetNodes"]
    text = " ".join([n["description"] or "" for n in nodes] + [
        c["description"] or "" for n in nodes for c in (n["assetChecksOrError"] or {}).get("checks", [])])
    return set(re.findall(r"[A-Za-z]+", text)) | MONTHS_AND_DAYS


# -- the browser ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser(browser_installed, dagster_ui):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SE_OFFLINE", "true")   # selenium-manager must never try to download a browser or driver
        chromium, chromedriver = browser_installed
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1600,1000",
                    "--no-proxy-server", "--disable-background-networking"):
            options.add_argument(arg)
        driver = webdriver.Chrome(service=Service(chromedriver), options=options)
        try:
            driver.set_page_load_timeout(PAGE_TIMEOUT)
            # The "Join the Dagster community" dialog (localhost only) is dismissed in this browser, as Skip does.
            driver.get(f"{dagster_ui.url}/server_info")
            driver.execute_script("window.localStorage.setItem('communityNux', JSON.stringify('1'));")
            yield driver
        finally:
            driver.quit()


class Page:
    """One UI page: explicit waits, elements found by visible text, artefacts and the server log on failure."""

    def __init__(self, driver, ui: DagsterUI, shots: Path, name: str, product_words: set[str]):
        self.driver, self.ui, self.shots, self.name = driver, ui, shots, name
        self.product_words = product_words

    def open(self, path: str) -> None:
        self.driver.get(self.ui.url + path)
        self.wait(lambda d: d.execute_script("return document.readyState") == "complete", f"{path} to load")
        self.wait_xpath(text_is("Lineage"), "the navigation")

    def wait(self, condition, what: str, timeout: float = PAGE_TIMEOUT):
        """Poll ``condition(driver)`` until truthy; React re-renders (live data every 2 s), so stale is retried."""
        from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                                TimeoutException)
        from selenium.webdriver.support.ui import WebDriverWait

        wait = WebDriverWait(self.driver, timeout, poll_frequency=0.5,
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))
        try:
            return wait.until(condition)
        except TimeoutException:
            raise AssertionError(f"waited {timeout} s for {what}") from None

    def wait_text(self, xpath: str, ok, what: str) -> str:
        """The text of the element at ``xpath`` once ``ok(text)``, the element found afresh at every poll."""
        seen = []

        def condition(driver):
            text = driver.find_element("xpath", xpath).text
            seen[:] = [text]
            return text if ok(text) else False
        try:
            return self.wait(condition, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; last seen {seen[0]!r}" if seen else str(exc)) from None

    def wait_row(self, xpath: str, status: str, icon: str, what: str) -> None:
        """A check's row reads ``status`` beside the ``icon`` (aria-label) of the status icon."""
        seen = []

        def condition(driver):
            text, shown = _row_state(driver, xpath)
            seen[:] = [(text, shown)]
            return status in text and shown == icon
        try:
            self.wait(condition, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}: expected {status!r} with icon {icon!r}, last seen {seen[0] if seen else None}"
                                 ) from None

    def wait_xpath(self, xpath: str, what: str, visible: bool = True):
        """The first element at ``xpath`` that is displayed (or, visible=False, present)."""
        def condition(driver):
            found = driver.find_elements("xpath", xpath)
            return next((e for e in found if not visible or e.is_displayed()), False)
        return self.wait(condition, what)

    def settle_graph(self, timeout: float = 20) -> None:
        """For the screenshot, not an assertion: give the graph's nodes in view a moment to load their live data."""
        try:
            self.wait(lambda d: not any(e.is_displayed() for e in d.find_elements(
                "xpath", "//*[local-name()='foreignObject']//*[not(*) and starts-with(normalize-space(.), 'Loading')]"
            )), "the graph's live data", timeout)
        except AssertionError:
            pass

    def text(self) -> str:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.TAG_NAME, "body").text

    def no_error_page(self) -> None:
        text = self.text()
        for bad in ("Unexpected GraphQL error", "Something went wrong", "PythonError", "Page not found",
                    "Join the Dagster community"):
            assert bad not in text, f"{bad!r} on {self.driver.current_url}"

    def assert_no_personal_data(self, demo: Demo) -> None:
        """No name, NHS number (with or without spaces) or postcode of the sampled children in the page source.

        The source is read without its class and style attributes: generated CSS class names are code, not content
        (``GrayOnHoverBox`` is no child called Gray)."""
        source = re.sub(r'\s(?:class|style)="[^"]*"', "", self.driver.page_source)
        names = [n for n in demo.personal["names"] if " " in n or n not in self.product_words]
        assert len(names) >= 20, f"too few names to check: {sorted(demo.personal['names'])}"
        patterns = [rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])" for name in names]
        patterns += [rf"(?<!\d){n[:3]}\s?{n[3:6]}\s?{n[6:]}(?!\d)" for n in demo.personal["nhs_numbers"]]
        patterns += [rf"(?<![A-Z0-9]){re.escape(pc)}(?![A-Z0-9])" for pc in demo.personal["postcodes"]]
        found = [m for m in (re.search(pattern, source) for pattern in patterns) if m]
        assert not found, f"personal data on {self.driver.current_url}: " + "; ".join(
            f"{m.group(0)!r} in ...{source[max(m.start() - 80, 0):m.end() + 80]}..." for m in found[:5])

    def screenshot(self, filename: str) -> Path:
        path = self.shots / filename
        assert self.driver.save_screenshot(str(path)), path
        assert path.stat().st_size > 20_000, f"{path} is nearly blank"
        return path

    @contextmanager
    def failing_with_artefacts(self):
        shot, html = self.shots / f"{self.name}_FAILED.png", self.shots / f"{self.name}_FAILED.html"
        for stale in (shot, html):   # a previous run's
            stale.unlink(missing_ok=True)
        try:
            yield self
        except Exception as exc:
            try:
                self.driver.save_screenshot(str(shot))
                html.write_text(self.driver.page_source, encoding="utf-8")
                where = self.driver.current_url
            except Exception as capture_error:  # the browser itself is gone
                where = f"(no browser: {capture_error!r})"
            raise AssertionError(f"{self.name}: {exc}\nat {where}; screenshot {shot}; page source {html}\n"
                                 f"--- dagster dev log (tail) ---\n{self.ui.log_tail()}") from exc


@pytest.fixture
def page(browser, dagster_ui, shots, product_words):
    def make(name: str) -> Page:
        return Page(browser, dagster_ui, shots, name, product_words)
    return make


def text_is(text: str) -> str:
    """XPath of the page's innermost elements whose visible text is ``text`` (React may split it in text nodes)."""
    return f"//body//*[not(*) and normalize-space(.)='{text}']"


CHECKS_HEADER = "//body//*[not(*) and starts-with(normalize-space(.), 'Checks (')]"
EVALUATION_RESULT = f"{text_is('Evaluation result')}/following-sibling::*[1]"


def _graph_node(name: str) -> str:
    """XPath of the asset graph's node (an SVG foreignObject) showing exactly ``name``."""
    return f"//*[local-name()='foreignObject'][.//*[not(*) and normalize-space(.)='{name}']]"


def _check_row(name: str) -> str:
    """XPath of a check's row in the Checks tab's list: the closest box holding its (full) name and a status icon."""
    return f"(//*[@title='{name}'])[1]/ancestor::*[.//*[@role='img']][1]"


def _row_state(driver, xpath: str) -> tuple[str, str]:
    from selenium.webdriver.common.by import By

    row = driver.find_element(By.XPATH, xpath)
    return row.text, row.find_element(By.XPATH, ".//*[@role='img']").get_attribute("aria-label")


# -- the tests -----------------------------------------------------------------------------------------------------
def test_asset_graph_shows_every_group_and_the_iha_mart(page, dagster_ui, demo):
    nodes = _graphql(dagster_ui.url, "{ assetNodes { groupName assetKey { path } } }")["data"]["assetNodes"]
    groups = sorted({n["groupName"] for n in nodes})
    assert {"marts", "returns"} <= set(groups), groups
    assert ["marts", IHA_MART] in [n["assetKey"]["path"] for n in nodes]

    with page("asset_graph").failing_with_artefacts() as p:
        p.open("/asset-groups")
        p.wait_xpath(text_is("Global asset lineage"), "the lineage page's heading")
        for group in groups:   # each group is a node of the graph itself, not only a name in the sidebar
            p.wait_xpath(_graph_node(group), f"group {group} in the asset graph")
        p.no_error_page()
        p.assert_no_personal_data(demo)
        p.screenshot("asset_graph.png")

    with page("asset_graph_marts").failing_with_artefacts() as p:
        p.open(f"/asset-groups~group%3A%22marts%22/marts%2F{IHA_MART}")   # "Show in group" on the IHA mart
        text = p.wait_text(_graph_node(IHA_MART), lambda t: "Materialized" in t and "Passed" in t,
                           "the IHA mart's node with its live status")
        passed = re.search(r"(\d+) / (\d+) Passed", text)   # "9 / 9 Passed": every check of the mart passed
        assert passed and passed.group(1) == passed.group(2) and int(passed.group(1)) > 0, text
        for asset in ("rha_timeliness", "timeliness_monthly"):   # other marts in the group's sidebar
            p.wait_xpath(text_is(asset), f"{asset} listed")
        # the side panel: the mart's dbt description, as written in _marts__models.yml
        description = next(m for m in yaml.safe_load(MARTS_YML.read_text())["models"] if m["name"] == IHA_MART)
        opening = " ".join(description["description"].split())[:40]
        p.wait_xpath(text_is(f"marts / {IHA_MART}"), "the mart's side panel")
        p.wait(lambda d: opening in " ".join(p.text().split()), f"the description {opening!r}")
        p.settle_graph()
        p.no_error_page()
        p.assert_no_personal_data(demo)
        p.screenshot("asset_graph_marts.png")


def _iha_dbt_tests() -> tuple[list[str], int]:
    """(check names, number of tests) of the IHA mart in _marts__models.yml."""
    model = next(m for m in yaml.safe_load(MARTS_YML.read_text())["models"] if m["name"] == IHA_MART)
    # the model's not_null, unique and accepted-values columns are one test each, named not_null_<model>,
    # unique_<model> and accepted_values_<model> (tests/generic/*_columns.sql); other model-level tests are counted
    model_tests = model.get("data_tests") or []
    names = [t[k]["name"] for t in model_tests
             for k in ("not_null_columns", "unique_columns", "accepted_values_columns") if k in t]
    return names, len(model_tests)


def test_iha_mart_checks_are_its_dbt_tests_and_passed(page, demo):
    names, count = _iha_dbt_tests()
    assert {f"not_null_{IHA_MART}", f"unique_{IHA_MART}", f"accepted_values_{IHA_MART}"} <= set(names), names

    with page("iha_checks").failing_with_artefacts() as p:
        p.open(f"/assets/marts/{IHA_MART}?view=checks")
        header = p.wait_text(CHECKS_HEADER, lambda t: re.search(r"Checks \(\d+\)", t), "the Checks tab's list")
        listed = int(re.search(r"Checks \((\d+)\)", header).group(1))
        assert listed >= count, f"{listed} checks listed, {count} dbt tests in {MARTS_YML.name}"
        for name in names:
            p.wait_row(_check_row(name), "Succeeded", "check_circle", f"check {name} to have succeeded")

        # one check's detail: its latest execution passed
        name = f"not_null_{IHA_MART}"
        p.driver.find_element("xpath", f"(//*[@title='{name}'])[1]").click()
        p.wait(lambda d: f"checkDetail={name}" in d.current_url, "the check's detail in the URL")
        p.wait_xpath(text_is(name), "the check's detail heading")
        p.wait_text(EVALUATION_RESULT, lambda t: t.strip() == "Passed", "the latest evaluation to read Passed")
        p.no_error_page()
        p.assert_no_personal_data(demo)
        p.screenshot("iha_checks.png")


def test_returns_dfe_rules_are_warn_checks_with_the_runs_flags(page, demo):
    from selenium.webdriver.common.keys import Keys

    on_asset = {code for code, asset in demo.rule_assets.items() if asset == RETURNS_ASSET}
    flagged = sorted(c for c in on_asset if demo.rule_runs.get(c, ("", 0))[0] == "ran" and demo.rule_runs[c][1] > 0)
    clean = sorted(c for c in on_asset if demo.rule_runs.get(c) == ("ran", 0))
    assert flagged, f"no DfE rule flagged rows of {'/'.join(RETURNS_ASSET)}: the seeded 903 defects are missing"
    assert clean, f"no DfE rule on {'/'.join(RETURNS_ASSET)} ran clean"
    first = flagged[0]
    path = "/".join(RETURNS_ASSET)

    with page("returns_checks").failing_with_artefacts() as p:
        p.open(f"/assets/{path}?view=checks&checkDetail=dfe_{first}")
        header = p.wait_text(CHECKS_HEADER, lambda t: re.search(r"Checks \(\d+\)", t), "the Checks tab's list")
        listed = int(re.search(r"Checks \((\d+)\)", header).group(1))
        assert listed >= len(on_asset), f"{listed} checks listed, {len(on_asset)} DfE rules on {path}"

        def filter_checks(text: str) -> None:
            search = p.wait_xpath("//input[@placeholder='Filter checks']", "the checks filter")
            search.send_keys(Keys.CONTROL, "a")
            search.send_keys(Keys.DELETE)
            search.send_keys(text)

        # the list is virtualised (only the rows in view exist): filter to each check before reading its row
        for code, status, icon in [(c, "Failed", "warning_outline") for c in flagged[:6]] + [
                (c, "Succeeded", "check_circle") for c in clean[:3]]:
            filter_checks(f"dfe_{code}")
            # WARN: a failed DfE rule is a yellow warning, never the red cancel of an ERROR check
            p.wait_row(_check_row(f"dfe_{code}"), status, icon, f"check dfe_{code} to read {status}")

        # the first flagged rule's detail: a non-blocking check, the rule's message, the run's flag count
        p.wait_xpath(text_is(f"dfe_{first}"), "the check's detail heading")
        p.wait_xpath("//body//span[normalize-space(.)='This is a non-blocking asset check.']", "non-blocking")
        p.wait(lambda d: f"DfE {first}:" in p.text(), f"the rule's description (DfE {first}: ...)")
        p.wait_text(EVALUATION_RESULT, lambda t: t.strip() == "Failed", "the latest evaluation to read Failed")
        p.wait(lambda d: d.find_element("xpath", f"{EVALUATION_RESULT}//*[@role='img']").get_attribute(
            "aria-label") == "warning_outline", "the failed evaluation's warning (WARN) icon")
        flags = p.wait_text("//td[normalize-space(.)='flags']/following-sibling::td[1]", lambda t: t.strip(),
                            "the flags metadata")
        assert int(flags) == demo.rule_runs[first][1], (first, flags, demo.rule_runs[first])

        # for the screenshot: the rules sharing the first flagged rule's leading digit, that rule in view
        filter_checks(f"dfe_{first[0]}")
        row = _check_row(f"dfe_{first}")
        p.wait_xpath(row, f"dfe_{first} in the list", visible=False)
        p.driver.execute_script("arguments[0].scrollIntoView({block: 'nearest'});",
                                p.driver.find_element("xpath", row))
        p.wait_xpath(row, f"dfe_{first} scrolled into view")
        p.no_error_page()
        p.assert_no_personal_data(demo)
        p.screenshot("returns_checks.png")
