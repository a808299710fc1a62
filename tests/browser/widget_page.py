"""What the browser tests read off the widget inside its frame: the measurements printed for the
issue's note, the highlighted transcript turn, the audio position after a quote click."""
from __future__ import annotations

WEIGHT_BUDGET = 50_000  # bytes of html + js + css, uncompressed
MEASURE_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const assets = performance.getEntriesByType("resource").filter((r) => ["script", "link"].includes(r.initiatorType));
  const paint = Object.fromEntries(performance.getEntriesByType("paint").map((p) => [p.name, p.startTime]));
  const ready = performance.getEntriesByName("aica-ready")[0];
  return {nav: {fetchStart: nav.fetchStart, responseEnd: nav.responseEnd, domInteractive: nav.domInteractive,
               domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd},
          html: nav.decodedBodySize, assets: Object.fromEntries(assets.map((r) => [r.name, r.decodedBodySize])),
          first_paint_ms: paint["first-paint"], first_contentful_paint_ms: paint["first-contentful-paint"],
          data_rendered_ms: ready ? ready.startTime : null};
}"""


async def measure(frame, label: str) -> dict:
    """Page weight and paint timings inside the frame, printed for the issue's note."""
    m = await frame.evaluate(MEASURE_JS)
    m["weight_bytes"] = m["html"] + sum(m["assets"].values())
    print(f"\n[{label}] page weight {m['weight_bytes']} B (html {m['html']} B, "
          f"assets {sorted(m['assets'].values())}); first paint {m['first_paint_ms']} ms, "
          f"first contentful paint {m['first_contentful_paint_ms']} ms, "
          f"data rendered {m['data_rendered_ms']} ms; navigation {m['nav']}")
    return m


async def active_turn(frame) -> int | None:
    index = await frame.eval_on_selector_all(".turn.is-active", "els => els.map(e => e.dataset.index)")
    return int(index[0]) if len(index) == 1 else None


async def quote_seeks_audio(frame, quote) -> float:
    """Clicks a quote; returns the audio's position, which must now be the quote's start."""
    start = float(await quote.get_attribute("data-start"))
    await quote.click()
    position = await frame.eval_on_selector("audio", "a => a.currentTime")
    assert start <= position < start + 2.0, (start, position)  # playback may have moved it on a little
    return start


async def no_horizontal_overflow(frame) -> bool:
    return await frame.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")

