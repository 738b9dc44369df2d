"""Digests: what they say, how they are grouped, and that fetched text cannot inject."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import feedparser

import monitor.demo as demo_package
from monitor.config.notify import SEVERITIES as SEVERITY_ORDER
from monitor.config.settings import Config
from monitor.indices import find
from monitor.models import Profile
from monitor.notify import digest as digest_module
from monitor.notify.channels.webhook import digest_payload
from monitor.notify.deliver import notify, preview
from monitor.notify.digest import SHOWN_SENTENCES
from monitor.notify.feed import feed
from monitor.notify.render import Templates
from monitor.ops.cycle import ingest
from monitor.ops.settings import load_config
from monitor.ops.workbook_import import import_workbook
from monitor.store import Store
from monitor.store.outbox import notifications, owed_counts
from tests.helpers.browser import rendered_dom, screenshot
from tests.helpers.notifying import ingest_editions
from tests.helpers.workbook import scores

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
SUBJECT = re.compile(
    r"^2023 edition published: 5 of your countries moved — (?P<name>\S+) (?P<score>.+)"
    r" (?P<old>\d+\.\d\d) → (?P<new>\d+\.\d\d)$"
)
HOSTILE = (
    'Officials said <script>alert("x")</script> and <b>bold</b> & <a href="http://e.x">a link</a>.'
)


def config_at(tmp_path: Path) -> Config:
    return Config(None, tmp_path / "data")


def rewrite(section_key: str, new_paragraphs: tuple[str, ...]):
    def edit(profile: Profile) -> Profile:
        sections = tuple(
            replace(s, paragraphs=new_paragraphs) if s.key == section_key else s
            for s in profile.sections
        )
        return replace(profile, sections=sections)

    return edit


def test_one_grouped_digest_for_many_countries_with_a_subject_that_says_what_moved(tmp_path):
    config = config_at(tmp_path)
    countries = ["kyrgyzstan", "kazakhstan", "tajikistan", "uzbekistan", "turkmenistan"]
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, countries)
        # Every sentence of the demo's narrative is rewritten between editions: the
        # message is cut to its overview, the details are in the full digest.
        whole = Templates().text(preview(store, config, None, now=NOW))
        report = notify(store, config, now=NOW)
        sent = notifications(store)
        owed = owed_counts(store)
    assert len(report.composed) == 1 and len(sent) == 1  # one digest, not one per country
    assert owed == {}  # every finding is in it
    digest_file = Path(report.deliveries[0].where)
    message = email.message_from_bytes(digest_file.read_bytes(), policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    lead = SUBJECT.match(message["Subject"])
    assert lead, message["Subject"]
    # The subject names a real alerted move, old → new, as the country's section lists it.
    section = whole.split(f"== {lead['name']} ", 1)[1].split("\n== ", 1)[0]
    assert any(
        line.strip().lower().startswith(lead["score"]) and f"{lead['old']} → {lead['new']}" in line
        for line in section.splitlines()
    )
    # Summary first: every country once, all in one region here.
    assert "for 5 countries" in text.split("\n\n")[1]  # below the (wrapped) subject
    assert sorted(c.split(" (")[0] for c in whole.split("\n== ")[1:]) == sorted(
        ["Kyrgyzstan", "Kazakhstan", "Tajikistan", "Uzbekistan", "Turkmenistan"]
    )


def test_headline_and_moved_indicators_match_the_workbook(tmp_path, shared_dir):
    config = config_at(tmp_path)
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, ["kazakhstan"])
        digest = preview(store, config, None, now=NOW)
    workbook = shared_dir / "data" / "global_oc_index_2021_2023.xlsx"
    before, after = scores(workbook, 2021, "Kazakhstan"), scores(workbook, 2023, "Kazakhstan")
    (country,) = digest.countries
    for line in country.headline + country.moved:
        assert (line.old, line.new) == (before[line.key], after[line.key])
    moved = {line.key for line in country.moved}
    big = {k for k, v in after.items() if k in before and abs(v - before[k]) >= 1.0}
    assert moved == big - {"criminality", "criminal_markets", "criminal_actors", "resilience"}


def test_long_narrative_lists_are_trimmed_with_a_count(tmp_path):
    config = config_at(tmp_path)
    many = tuple(
        f"Observers recorded a distinct new pattern number {n} this year." for n in range(9)
    )
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, ["kyrgyzstan"], edit=rewrite("people", many))
        digest = preview(store, config, None, now=NOW)
    (change,) = [n for c in digest.countries for n in c.narrative if n.key == "people"]
    assert len(change.added.shown) == SHOWN_SENTENCES
    assert change.added.more == len(many) - SHOWN_SENTENCES
    text = Templates().text(digest)
    assert f"… and {len(many) - SHOWN_SENTENCES} more added" in text


def test_markup_in_a_fetched_narrative_is_escaped_in_html_and_verbatim_in_text(tmp_path):
    config = config_at(tmp_path)
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, ["kyrgyzstan"], edit=rewrite("people", (HOSTILE,)))
        report = notify(store, config, now=NOW)
    message = email.message_from_bytes(
        Path(report.deliveries[0].where).read_bytes(), policy=policy.default
    )
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    # The plain-text part shows the page's words as written (wrapped at 80 columns).
    assert HOSTILE in " ".join(text.split())
    assert "<script" not in html and "<b>bold" not in html and 'href="http://e.x"' not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    page = tmp_path / "digest.html"
    page.write_text(html, encoding="utf-8")
    dom = rendered_dom(page, tmp_path / "chromium")
    assert dom.count("<script") == 0 and "<b>" not in dom  # nothing became markup
    assert "&lt;script&gt;" in dom  # …the text is there, shown as text


def test_kyrgyzstan_2021_to_2025_digest_renders_its_tables_in_chromium(tmp_path, shared_dir):
    config = config_at(tmp_path)
    corpus = shared_dir / "corpus"
    with Store.open(config.database) as store:
        for name, when in (("2021", "2021-10-01T00:00:00Z"), ("2025", "2025-10-01T00:00:00Z")):
            ingest(
                config,
                store,
                [corpus / f"ocindex-page-{name}-kyrgyzstan.txt"],
                url="https://ocindex.net/country/kyrgyzstan",
                kind_name="ocindex_page",
                captured_at=when,
            )
        digest = preview(store, config, None, now=NOW)
    page = tmp_path / "kyrgyzstan-digest.html"
    page.write_text(Templates().html(digest), encoding="utf-8")
    dom = rendered_dom(page, tmp_path / "chromium")
    png = screenshot(page, tmp_path / "kyrgyzstan-digest.png", tmp_path / "chromium")
    assert png.stat().st_size > 10_000
    book = scores(shared_dir / "data" / "global_oc_index_2021_2023.xlsx", 2021, "Kyrgyzstan")
    headline = dom.split('class="scores"', 1)[1].split("</table>", 1)[0]
    rows = headline.split("<tr>")[2:]
    cells = {
        r.split("</td>")[0].rsplit(">", 1)[1]: [c.rsplit(">", 1)[1] for c in r.split("</td>")[1:3]]
        for r in rows
    }
    assert cells["Criminality"] == [f"{book['criminality']:.2f}", "5.25"]
    assert cells["Resilience"] == [f"{book['resilience']:.2f}", "3.79"]
    assert 'class="ranks"' in dom and "Resilience, global" in dom
    # The 2025 capture is incomplete: the digest says so and alerts no score.
    assert "not complete" in dom and "Indicators that moved" not in dom
    assert "Financial crimes" in dom  # added by the 2023 methodology


def test_a_template_directory_in_config_overrides_the_packaged_templates(tmp_path):
    config = config_at(tmp_path)
    custom = tmp_path / "templates"
    custom.mkdir()
    (custom / "digest.txt.j2").write_text(
        "{{ digest.countries | length }} country: {{ digest.subject }}\n"
    )
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, ["kyrgyzstan"])
        digest = preview(store, config, None, now=NOW)
    templates = Templates(custom)
    assert templates.text(digest) == f"1 country: {digest.subject}\n"
    assert "<table" in templates.html(digest)  # not overridden: the packaged one


def test_beyond_the_detail_limit_countries_get_one_summary_row_each(tmp_path, monkeypatch):
    monkeypatch.setattr(digest_module, "DETAILED_COUNTRIES", 2)
    config = config_at(tmp_path)
    countries = ["kyrgyzstan", "kazakhstan", "tajikistan", "uzbekistan", "turkmenistan"]
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, countries)
        digest = preview(store, config, None, now=NOW)
        stored = store.db.execute("SELECT count(*) FROM findings").fetchone()[0]
    detailed = [c for c in digest.countries if c.detailed]
    assert len(detailed) == 2 and len(digest.brief) == 3
    # The two shown in full are the most severe (then the ones with most findings).
    weight = {c.name: (SEVERITY_ORDER.index(c.severity), len(c.items)) for c in digest.countries}
    assert min(weight[c.name] for c in detailed) >= max(weight[c.name] for c in digest.brief)
    text = Templates().text(digest)
    assert text.count("\n== ") == 2  # two countries in full; the overview names all five
    overview = text.split("Overview (most severe first)\n", 1)[1].split("\n\n", 1)[0]
    unwrapped = " ".join(overview.split())
    for c in digest.countries:
        assert f"- {c.summary} ({c.region}, {c.severity}" in unwrapped
    assert len(digest.items) == stored  # nothing dropped: the brief rows count their findings


def test_a_broken_capture_is_reported_without_a_headline_of_vanished_scores(tmp_path):
    """A capture starting mid-page has no composites: the digest says the source is
    broken, and shows no 'Criminality 5.32 → —' rows as if scores had gone."""
    from tests.helpers.notifying import page

    config = config_at(tmp_path)
    full = page("kyrgyzstan", 2023).decode()
    cut = full.index("Political leadership and governance") - 200
    captures = {"full.html": full, "fragment.html": "<html><body>" + full[cut:]}
    with Store.open(config.database) as store:
        for name, text in captures.items():
            (tmp_path / name).write_text(text, encoding="utf-8")
            ingest(config, store, [tmp_path / name], url="https://ocindex.net/country/kyrgyzstan",
                   kind_name="ocindex_page")  # fmt: skip
        digest = preview(store, config, None, now=NOW)
    text = Templates().text(digest)
    assert "Kyrgyzstan's profile page could not be read" in text
    assert "→ —" not in text and "Headline" not in text


def test_a_countrys_findings_from_three_indices_are_grouped_under_it_in_every_format(
    tmp_path, shared_dir
):
    """CPI 2022 → 2023 (Transparency International's files), Freedom in the World 2020 →
    2021 (Freedom House's figures, as the demo serves them) and the OC Index pages 2021 →
    2023: each country once, a summary line naming every index, a section per index."""
    (tmp_path / "config.toml").write_text(
        'data_dir = "data"\n[thresholds.indices.cpi]\nscore = 1  # Kyrgyzstan\'s 27 → 26\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "config.toml")
    cpi = shared_dir / "data" / "indices" / "cpi"
    # Freedom House's release of 2021, and the one before it (editions to 2020): a new
    # edition is news only in a later release than the one before it.
    fiw = (Path(demo_package.__file__).parent / "fiw" / "release-2021.csv").read_text()
    (tmp_path / "fiw-2020.csv").write_text(
        "".join(line for line in fiw.splitlines(True) if ",2021," not in line)
    )
    (tmp_path / "fiw-2021.csv").write_text(fiw)
    with Store.open(config.database) as store:
        ingest_editions(config, store, tmp_path, ["kyrgyzstan", "tajikistan"])
        for release, index in (
            (cpi / "CPI2022_GlobalResultsTrends.csv", "cpi"),
            (cpi / "CPI2023_GlobalResultsTrends.csv", "cpi"),
            (tmp_path / "fiw-2020.csv", "fiw"),
            (tmp_path / "fiw-2021.csv", "fiw"),
        ):
            import_workbook(store, release, config=config, kind_name=index)
        digest = preview(store, config, None, now=NOW)
        atom = feedparser.parse(feed(store, digest.channel, now=NOW))
    templates = Templates()
    text, html = templates.text(digest), templates.html(digest)
    payload = digest_payload(digest, "key")
    kyrgyzstan = next(c for c in digest.countries if c.country == "kyrgyzstan")
    tajikistan = next(c for c in digest.countries if c.country == "tajikistan")
    assert [c.country for c in digest.countries].count("kyrgyzstan") == 1
    assert {i.name for i in kyrgyzstan.indices} == {"CPI", "Freedom in the World", "OC Index"}
    parts = kyrgyzstan.summary.removeprefix("Kyrgyzstan — ").split("; ")
    assert "CPI 27 → 26" in parts
    assert "Freedom in the World 39 → 28, Partly Free → Not Free" in parts  # named, not PF
    # Its indices most severe first, then by name.
    weights = [(-SEVERITY_ORDER.index(i.severity), i.name) for i in kyrgyzstan.indices]
    assert weights == sorted(weights)
    assert {i.index for i in tajikistan.indices} == {"cpi", "ocindex"}
    assert "CPI 24 → 20" in tajikistan.summary  # as Transparency International published
    for country in (kyrgyzstan, tajikistan):
        # Every finding of the country is in one of its index sections: the right one.
        assert sorted(it.finding_id for i in country.indices for it in i.items) == sorted(
            it.finding_id for it in country.items
        )
        assert all(it.index == i.index for i in country.indices for it in i.items)
        # The summary's values are the findings' (alerted headline scores, statuses).
        for i in country.indices:
            definition = find(i.index)
            headline = {m.key: m.decimals for m in definition.headline()}
            for it in i.items:
                f = it.finding
                if f.kind == "score" and f.key in headline:
                    places = headline[f.key]
                    assert f"{f.old:.{places}f} → {f.new:.{places}f}" in i.summary
                if f.kind == "category":
                    measure = definition.measure(f.key)
                    was, now = (measure.level_name(f.detail[e]) for e in ("from", "to"))
                    assert f"{was} → {now}" in i.summary
        names = [i.name for i in country.indices]
        assert country.summary == f"{country.name} — " + "; ".join(
            i.summary for i in country.indices if i.summary
        )
        # Text: the summary in the overview and atop the country's section, then one
        # section per index.
        assert f"- {country.summary}" in " ".join(text.split())
        section = text.split(f"\n== {country.name} ", 1)[1].split("\n== ", 1)[0]
        assert " ".join(country.summary.split()) in " ".join(section.split())
        heads = [line[3:].split(" · ")[0] for line in section.splitlines() if line[:3] == "-- "]
        assert heads == names
        # HTML: the country once, its indices inside it.
        block = html.split(f'<div class="country" id="{country.country}"', 1)[1]
        block = block.split('<div class="country"', 1)[0]
        assert re.findall(r'data-index="(\w+)"', block) == [i.index for i in country.indices]
        # Webhook: the country once, its findings partitioned by index.
        (body,) = [c for c in payload["countries"] if c["country"] == country.country]
        assert body["summary"] == country.summary
        assert [i["name"] for i in body["indices"]] == names
        by_index = {f["id"]: f["index"] for f in body["findings"]}
        for i in body["indices"]:
            assert {by_index[n] for n in i["findings"]} == {i["index"]}
        assert sum(len(i["findings"]) for i in body["indices"]) == len(body["findings"])
        # Atom (the newest 200 findings): each entry names the country, then its index,
        # and carries both as terms.
        entries = [e for e in atom.entries if f"country:{country.country}" in tags(e)]
        named = {f"index:{i.index}": i.name for i in country.indices}
        for e in entries:
            (term,) = [t for t in tags(e) if t.startswith("index:")]
            assert e.title.startswith(f"{country.name} — {named[term]}: ")
    shown = {t for e in atom.entries if "country:kyrgyzstan" in tags(e) for t in tags(e)}
    assert {"index:cpi", "index:fiw"} <= shown


def tags(entry) -> set[str]:
    return {t.term for t in entry.tags}
