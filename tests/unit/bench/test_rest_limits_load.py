"""Several portals under load at once (issue 10): CRM write-back in the owner worker, install posts
at the gateway and card tabs in a dashboard of another process, against sandbox portals enforcing
Bitrix24's leaky bucket (bench.rest_limits). To be short, the portal's bucket is 20 deep instead
of 50 (2/s as on Bitrix24) and the budgets shrink with it (owner 8, side 5 each: 8 + 2 x 5 <= 20 - 2).
No portal ever answers 503 QUERY_LIMIT_EXCEEDED, every write lands exactly once, every install and
tab is served. (The same load with a limiter per REST client and none for the placement check,
`run_design("separate", ...)`, drew 21 QUERY_LIMIT_EXCEEDED answers.)"""
from __future__ import annotations

from bench.rest_limits import open_clickhouse, run_design

SMALL_BUCKET = {"rest_portal_burst": 20, "rest_arrival_margin": 2, "rest_burst": 8, "rest_side_burst": 5}


async def test_owner_and_side_budgets_keep_every_portal_under_its_bucket(tmp_path):
    clickhouse, executor = open_clickhouse(tmp_path)
    try:
        figures = await run_design("shared", portals=3, calls=40, installs=1, users=5, cards=2, scale=1.0,
                                   data_dir=tmp_path / "run", clickhouse=clickhouse, executor=executor,
                                   budget=SMALL_BUCKET)
    finally:
        executor.submit(clickhouse.close).result()
        executor.shutdown()
    assert figures.rejected == 0 and figures.peak_level <= 20, figures
    assert figures.writes_wanted == 3 * 40 * 2  # a contact and a deal per call
    assert (figures.writes_landed, figures.duplicate_writes) == (figures.writes_wanted, 0), figures
    assert figures.installs[200] == 3 and set(figures.installs) <= {200, 503}, figures
    assert figures.tabs[200] == 3 * 5 * 2 * 2 and set(figures.tabs) <= {200, 503}, figures  # opened, reloaded
    # the side traffic ran beside the writes: more requests than the writes' batches
    assert figures.requests >= 3 * 40 + 3 * 4 + 3 * 5
