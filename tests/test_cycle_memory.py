"""Issue 19, memory: a cycle's report does not hold its findings (a new narrative edition
brings hundreds a page: the report keeps their number and reads them back from the store
when asked), and the daemon gives back between jobs what a job left."""

from __future__ import annotations

import gc
import tracemalloc
import weakref
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.config.settings import Config, FetchPolicy, SourceSpec, source_key
from monitor.demo import build_profile, load_figures
from monitor.demo.render import render_page
from monitor.identity import countries
from monitor.ops.cycle import run_cycle
from monitor.ops.daemon import give_back_memory
from monitor.sources import configured_kind
from monitor.store import Store
from monitor.store.findings import findings_after

KIND, PAGES = "ocindex_page", 8


def _pages(narrative: int) -> dict[str, bytes]:
    """Each page a real country with a demo country's figures; `narrative` seeds the text:
    a new one replaces most sentences of every section."""
    figures = list(load_figures()["countries"].values())
    pages = {}
    for n, identity in enumerate(countries()[:PAGES]):
        editions = figures[n % len(figures)]["editions"]
        profile = build_profile(
            identity.key,
            identity.name,
            2023,
            editions,
            seed=n + 1000 * narrative,
            paragraphs_per_section=4,
        )
        pages[f"/country/{identity.key}"] = render_page(profile, layout=2023, fmt="html").encode()
    return pages


def test_a_cycle_of_thousands_of_findings_keeps_none_of_them_in_its_report(
    tmp_path: Path, httpserver: HTTPServer
):
    served: dict[str, bytes] = {}

    def answer(request: Request) -> Response:
        if request.path not in served:
            return Response("", status=404)
        return Response(served[request.path], content_type="text/html; charset=utf-8")

    httpserver.expect_request("").respond_with_handler(answer)  # every path
    options = {KIND: {"base_url": httpserver.url_for("/").rstrip("/")}}
    data_dir = tmp_path / "data"
    kind = configured_kind(Config(None, data_dir, kind_options=options), KIND)
    sources = tuple(
        SourceSpec(source_key(KIND, c.key, None), KIND, c.key, None, kind.url(c.key, None))
        for c in countries()[:PAGES]
    )
    policy = FetchPolicy(per_host_interval=0)
    config = Config(None, data_dir, policy, 2, sources=sources, kind_options=options)
    with Store.open(config.database) as store:
        for narrative in range(2):  # a first capture, then a first comparison: all loaded
            served.update(_pages(narrative))
            run_cycle(config, store)
        served.update(_pages(2))
        tracemalloc.start()
        try:
            report = run_cycle(config, store)
            gc.collect()  # garbage (deepdiff's trees) is not what the report holds
            kept, _ = tracemalloc.get_traced_memory()
            held = report.findings
            holding, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        stored = [f for _, f in findings_after(store, report.finding_ids.start - 1)]
    assert report.ok and report.count("new") == PAGES
    assert report.finding_count == len(stored) > 1000
    # Held as objects they take ~1 KB each (message, detail with both sentences, key);
    # what the cycle leaves allocated is a small part of that.
    assert holding - kept > 500 * report.finding_count, holding - kept
    assert kept < 100 * report.finding_count, kept
    # Asked for, they are read back as stored, in order.
    assert held == report.findings == tuple(stored)
    assert {f.kind for f in report.findings} >= {"narrative"}


def test_between_jobs_the_daemon_collects_what_a_job_left_in_reference_cycles():
    class Context:  # as jinja2's render context holding a digest's findings
        pass

    gc.disable()  # no automatic collection: only the daemon's own
    try:
        context = Context()
        context.itself = context  # type: ignore[attr-defined]
        gone = weakref.ref(context)
        del context
        assert gone() is not None  # unreachable, and still allocated
        give_back_memory()
        assert gone() is None
    finally:
        gc.enable()
