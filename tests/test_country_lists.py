"""Country lists (FATF's statements, the EU's high-risk third countries): pages of ours,
shaped like the publishers' (headings, intro paragraphs, bulleted lists or a heading and
paragraph per country, menus and footers naming countries too), read by the
`country_list` kind; through `monitor run` a country added and one removed are exactly
two findings, mailed once; a broken capture is a failed check and no finding."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from monitor.cli.main import cli
from monitor.errors import ConfigError
from monitor.indices import SHIPPED_DIR as SHIPPED
from monitor.indices import load_definition
from monitor.models import Status
from monitor.sources import get_kind, kind_label
from monitor.store import Store
from tests.helpers.configs import site_config
from tests.helpers.mailserver import smtp_server

CALL_FOR_ACTION = ("Democratic People's Republic of Korea (DPRK)", "Iran", "Myanmar¹")
MONITORED = (
    "Algeria", "Angola", "Bulgaria", "Burkina Faso", "Cameroon", "Côte d'Ivoire", "Croatia",
    "Democratic Republic of the Congo", "Haiti", "Lao PDR", "Lebanon", "Monaco",
    "Mozambique", "Namibia", "Nepal", "Nigeria", "South Africa", "South Sudan", "Syria",
    "Venezuela", "Vietnam", "Yemen",
)  # fmt: skip
# The June list: Kenya placed under increased monitoring, Croatia no longer.
MONITORED_JUNE = tuple(sorted({*MONITORED, "Kenya"} - {"Croatia"}))
FURNITURE = """<header><nav><ul><li>Home</li><li>Countries</li><li>Kenya</li><li>France</li>
<li>Croatia</li></ul></nav></header>"""
FOOTER = "<footer><h4>Member jurisdictions</h4><ul><li>Kenya</li><li>Spain</li></ul></footer>"


def fatf_page(
    call: Sequence[str] = CALL_FOR_ACTION,
    monitored: Sequence[str] = MONITORED,
    *,
    dated: str = "21 February 2025",
    per_country: bool = False,
) -> str:
    """Both FATF lists on one page: the call for action as a heading and paragraphs per
    country (`per_country`) or bullets, the grey list as bullets, then the countries no
    longer monitored under a bold line, which are on no list."""
    if per_country:
        blacklist = "".join(
            f"<h3>{name}</h3><p>Since February 2020, {name} has taken steps to improve its "
            "regime, but the FATF remains concerned by its significant deficiencies.</p>"
            for name in call
        )
    else:
        blacklist = "<ul>" + "".join(f"<li>{name}</li>" for name in call) + "</ul>"
    greylist = "".join(f"<li><p>{name}</p></li>" for name in monitored)
    return f"""<!DOCTYPE html><html lang="en"><head><title>Black and grey lists</title></head>
<body>{FURNITURE}<main>
<h1>High-risk and other monitored jurisdictions</h1>
<p>Paris, France, {dated} – The FATF identifies jurisdictions with weak measures to combat
money laundering and terrorist financing in two public documents, updated three times a
year at its plenaries (first published in February 2019).</p>
<h2>High-Risk Jurisdictions subject to a Call for Action – {dated}</h2>
<p>High-risk jurisdictions have significant strategic deficiencies in their regimes. For
all countries identified as high-risk, the FATF calls on all members to apply enhanced due
diligence, and, in the most serious cases, to apply counter-measures.</p>
{blacklist}
<p>¹ Myanmar: enhanced due diligence proportionate to the risk.</p>
<h2>Jurisdictions under Increased Monitoring – {dated}</h2>
<p>Jurisdictions under increased monitoring are actively working with the FATF to address
strategic deficiencies in their regimes within agreed timeframes.</p>
<ul>{greylist}</ul>
<p><strong>Jurisdictions no longer subject to increased monitoring</strong></p>
<ul><li>Mali</li><li>Tanzania</li></ul>
</main>{FOOTER}</body></html>"""


EU_LISTED = (
    "Afghanistan", "Barbados", "Burkina Faso", "Cameroon", "Democratic Republic of the Congo",
    "Gibraltar", "Haiti", "Jamaica", "Mali", "Mozambique", "Myanmar/Burma", "Nigeria",
)  # fmt: skip


def eu_page(listed: Sequence[str]) -> str:
    """The Commission's annex as a numbered table."""
    rows = "".join(f"<tr><td>{n}</td><td>{name}</td></tr>" for n, name in enumerate(listed, 1))
    return f"""<!DOCTYPE html><html><head><title>AML: high-risk third countries</title></head>
<body><h1>Anti-money laundering and countering the financing of terrorism</h1>
<p>Commission Delegated Regulation of 10 June 2025 amending Delegated Regulation (EU)
2016/1675 as regards adding and deleting jurisdictions.</p>
<h2>List of high-risk third countries</h2>
<table><tr><th>No</th><th>High-risk third country</th></tr>{rows}</table>
<h2>Related documents</h2><ul><li>Guidance</li></ul></body></html>"""


MAINTENANCE = """<!DOCTYPE html><html><head><title>Maintenance</title></head><body>
<h1>We'll be back soon</h1><p>fatf-gafi.org is undergoing scheduled maintenance.</p>
</body></html>"""
HEADINGS_ONLY = """<!DOCTYPE html><html><head><title>Black and grey lists</title></head><body>
<h1>High-risk and other monitored jurisdictions</h1>
<h2>High-Risk Jurisdictions subject to a Call for Action</h2><div class="loading"></div>
<h2>Jurisdictions under Increased Monitoring</h2><div class="loading"></div>
</body></html>"""


def truncated() -> str:
    page = fatf_page()
    return page[: page.index("Mozambique")]  # cut mid-list, as a dropped connection does


def members(page: str, kind: str = "fatf") -> dict[str, dict[str, bool]]:
    """Each watched country's memberships as the kind reads the page."""
    reader = get_kind(kind, "https://lists.example/page.html")
    found = {}
    for country in ("korea_dpr", "iran", "myanmar", "croatia", "kenya", "mali", "laos", "spain"):
        extraction = reader.extract(page.encode(), url=reader.url(country, None))
        assert extraction.status is Status.COMPLETE, extraction.reasons
        assert extraction.profile is not None
        found[country] = extraction.profile.memberships
    return found


@pytest.mark.parametrize("per_country", [False, True])
def test_each_list_is_read_under_its_heading_whatever_the_layout(per_country):
    listed = members(fatf_page(per_country=per_country))
    for country in ("korea_dpr", "iran", "myanmar"):  # `(DPRK)` and `¹` are notes
        assert listed[country] == {"call_for_action": True, "increased_monitoring": False}
    grey = {"call_for_action": False, "increased_monitoring": True}
    assert listed["croatia"] == listed["laos"] == grey
    # Named only in the menu, the footer, or as no longer monitored: on no list.
    for country in ("kenya", "mali", "spain"):
        assert listed[country] == {"call_for_action": False, "increased_monitoring": False}


def test_a_publication_is_keyed_by_the_date_the_page_states():
    reader = get_kind("fatf", "https://lists.example/page.html")
    page = fatf_page(dated="13 June 2025").encode()
    extraction = reader.extract(page, url=reader.url("iran", None))
    assert extraction.profile is not None and extraction.profile.edition == 2025
    assert extraction.profile.document is not None
    assert extraction.profile.document.published == "2025-06-13"
    # No country named (`monitor extract FILE`): what the page lists, and its date.
    (said,) = reader.extract(page).reasons
    assert "(2025-06-13) lists 3 on High-Risk" in said.message
    assert "22 on Jurisdictions under Increased Monitoring" in said.message
    # A watched year the page is not: refused, not stored as that year's.
    other = reader.extract(page, url=reader.url("iran", 2024))
    assert other.status is Status.NOT_A_PROFILE
    assert "the page is the 2025 publication" in other.reasons[0].message


def test_the_eu_list_is_read_from_its_annex_table():
    reader = get_kind("eu_high_risk", "https://lists.example/eu.html")
    page = eu_page([*EU_LISTED, "Kenya", "Lao PDR"]).encode()
    for country, listed in (("kenya", True), ("laos", True), ("croatia", False)):
        extraction = reader.extract(page, url=reader.url(country, None))
        assert extraction.status is Status.COMPLETE, extraction.reasons
        assert extraction.profile is not None
        assert extraction.profile.memberships == {"high_risk_third_countries": listed}
        assert extraction.profile.edition == 2025


@pytest.mark.parametrize(
    ("page", "code"),
    [(MAINTENANCE, "no_list"), (HEADINGS_ONLY, "no_list"), (truncated(), "truncated")],
    ids=["maintenance", "headings-only", "truncated"],
)
def test_a_page_listing_nothing_recognisable_is_not_a_publication(page, code):
    reader = get_kind("fatf", "https://lists.example/page.html")
    extraction = reader.extract(page.encode(), url=reader.url("croatia", None))
    assert extraction.status is Status.NOT_A_PROFILE
    assert [r.code for r in extraction.reasons] == [code]


def test_a_list_shorter_than_its_declared_floor_is_a_partial_page():
    # Whole HTML, but only four of the grey list (a "show more" not followed).
    page = fatf_page(monitored=MONITORED[:4])
    reader = get_kind("fatf", "https://lists.example/page.html")
    extraction = reader.extract(page.encode(), url=reader.url("croatia", None))
    assert extraction.status is Status.NOT_A_PROFILE
    (reason,) = extraction.reasons
    assert reason.code == "list_too_short"
    assert reason.detail == {"key": "increased_monitoring", "listed": 4}


def test_a_floor_on_what_is_no_list_is_refused_naming_the_key(tmp_path):
    text = (SHIPPED / "fatf.toml").read_text(encoding="utf-8")
    path = tmp_path / "fatf.toml"
    path.write_text(text.replace("call_for_action = 2", "black_list = 2"), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_definition(path)
    assert raised.value.key == "source.min_listed.black_list"


def test_a_page_missing_one_of_the_lists_is_incomplete_and_a_name_unknown_is_said():
    page = fatf_page(monitored=[*MONITORED, "Atlantis"])
    page = page.replace("High-Risk Jurisdictions subject to a Call for Action", "Statement")
    reader = get_kind("fatf", "https://lists.example/page.html")
    extraction = reader.extract(page.encode(), url=reader.url("croatia", None))
    assert extraction.status is Status.INCOMPLETE
    codes = {r.code: r for r in extraction.reasons}
    assert codes["list_not_found"].detail == {"key": "call_for_action"}
    assert codes["unknown_country"].detail == {"name": "Atlantis"}


WATCHED = ("kenya", "croatia", "iran", "nigeria", "france")


def run(config: Path, *args: str) -> dict:
    result = CliRunner().invoke(cli, ["--config", str(config), *args, "--json"])
    return json.loads(result.output)


def smtp_channel(port: int) -> str:
    return f"""
[notify.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
timeout = 5
[notify.channels.compliance]
kind = "email"
to = ["aml@example.org"]
[notify.delivery]
retry_wait = 0.0
"""


@pytest.mark.slow
def test_monitor_run_reports_exactly_the_country_added_and_the_one_removed(
    httpserver: HTTPServer, tmp_path
):
    page = httpserver.url_for("/lists.html")
    with smtp_server() as (mailbox, port):
        config = site_config(tmp_path, page, WATCHED, kind="fatf", extra=smtp_channel(port))
        httpserver.expect_request("/lists.html").respond_with_data(
            fatf_page(), content_type="text/html"
        )
        first = run(config, "run")
        assert first["ok"] and first["findings"] == [], first
        assert {r["status"] for r in first["results"]} == {"complete"}

        httpserver.clear()
        httpserver.expect_request("/lists.html").respond_with_data(
            fatf_page(CALL_FOR_ACTION, MONITORED_JUNE, dated="13 June 2025"),
            content_type="text/html",
        )
        second = run(config, "run")
        found = sorted((f["message"], f["severity"]) for f in second["findings"])
        grey = "Jurisdictions under Increased Monitoring"
        assert found == [
            (f"added to the list: {grey} (deterioration)", "high"),
            (f"removed from the list: {grey} (improvement)", "high"),
        ]
        with Store.open(tmp_path / "data" / "monitor.db") as store:
            rows = store.db.execute(
                "SELECT country_slug, direction FROM findings ORDER BY country_slug"
            ).fetchall()
        assert rows == [("croatia", "improvement"), ("kenya", "deterioration")]
        third = run(config, "run")  # the same page again: nothing new, nothing mailed
        assert third["findings"] == [] and third["deliveries"] == []

    (message,) = mailbox.messages
    text = message.get_body(("plain",)).get_content()
    assert "added to the list: Jurisdictions under Increased Monitoring" in text
    assert "removed from the list: Jurisdictions under Increased Monitoring" in text
    assert "== Kenya" in text and "== Croatia" in text
    # The link names the index and its document, not the kind or the index's id.
    assert f"The publisher's FATF statement: {page}" in text


@pytest.mark.slow
@pytest.mark.parametrize(
    "broken",
    [MAINTENANCE, truncated(), HEADINGS_ONLY],
    ids=["maintenance", "truncated", "headings"],
)
def test_a_broken_capture_is_a_failed_check_and_no_finding(
    httpserver: HTTPServer, tmp_path, broken
):
    page = httpserver.url_for("/lists.html")
    config = site_config(tmp_path, page, WATCHED, kind="fatf")
    httpserver.expect_request("/lists.html").respond_with_data(fatf_page())
    assert run(config, "run")["findings"] == []

    httpserver.clear()
    httpserver.expect_request("/lists.html").respond_with_data(broken)
    failed = run(config, "run")
    assert not failed["ok"]
    assert {r["status"] for r in failed["results"]} == {"not_a_profile"}
    # No list findings: each source says it could not be read, nothing was "removed".
    assert {(f["kind"], f["key"]) for f in failed["findings"]} == {("source_health", "broken")}
    # Said as of a list, not of a profile's scores.
    for finding in failed["findings"]:
        assert "'s FATF statement could not be read: " in finding["message"]
        assert finding["message"].endswith(
            "; no country is taken as added to or removed from its lists"
        )

    status = run(config, "status")["sources"]
    assert {s["key"] for s in status} == {f"fatf:{country}:current" for country in WATCHED}
    for source in status:
        assert source["consecutive_failures"] == 1 and "broken" in source["conditions"]
        assert source["last_error"].startswith("not a profile: ")

    httpserver.clear()  # back to normal: readable again, and still nothing moved
    httpserver.expect_request("/lists.html").respond_with_data(fatf_page())
    again = run(config, "run")
    assert {f["kind"] for f in again["findings"]} == {"source_health"}


def test_a_document_of_a_generic_kind_is_named_by_its_index():
    assert kind_label("fatf") == "FATF statement"  # its definition's [source] document
    assert kind_label("eu_high_risk") == "EU high-risk list page"
    assert kind_label("cpi") == "CPI release"  # the dataset kind's word
    assert kind_label("fiw") == "Freedom in the World release"
    assert kind_label("ocindex_page") == "profile page"  # a kind of its own: its label


def test_a_list_is_watched_under_its_index_id_from_the_command_line(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('data_dir = "data"\n', encoding="utf-8")
    added = CliRunner().invoke(
        cli, ["--config", str(config), "watch", "add", "--kind", "eu_high_risk", "Kenya"]
    )
    assert added.exit_code == 0, added.output
    listed = run(config, "watch", "list")
    assert [(s["country"], s["kind"]) for s in listed] == [("kenya", "eu_high_risk")], listed
