/* The score trend of the card's contact or deal: an inline SVG line over 0..100, one point per
   day with calls (no chart library), and one line per scorecard version once calls were rescored
   under another version. Helpers come from widget.js. */
window.AICA_trendChart = function (points, {h, t, lang}, series) {
  const dayFmt = new Intl.DateTimeFormat(lang, {month: "short", day: "numeric", timeZone: "UTC"});
  if (!points.length) return h("p", {class: "empty"}, t("trendEmpty"));
  const W = 320, H = 120, L = 24, R = 8, T = 8, B = 18;
  const days = points.map((p) => Date.parse(`${p.day}T00:00:00Z`));
  const first = Math.min(...days), span = Math.max(...days) - first;
  const x = (d) => (span ? L + ((d - first) / span) * (W - L - R) : (L + W - R) / 2);
  const y = (v) => T + (1 - Math.min(100, Math.max(0, v)) / 100) * (H - T - B);
  const latest = points[points.length - 1];
  const svg = h("svg:svg", {class: "trend-chart", viewBox: `0 0 ${W} ${H}`, role: "img",
    "aria-label": t("trendSummary", {n: points.length, score: Math.round(latest.avg_score)})});
  for (const level of [0, 50, 100]) {
    svg.append(h("svg:line", {class: "grid", x1: L, x2: W - R, y1: y(level), y2: y(level)}),
      h("svg:text", {class: "axis", x: L - 4, y: y(level) + 3, "text-anchor": "end"}, level));
  }
  const ends = span ? [[first, "start"], [first + span, "end"]] : [[first, "middle"]];
  for (const [day, anchor] of ends) {
    svg.append(h("svg:text", {class: "axis", x: x(day), y: H - 4, "text-anchor": anchor}, dayFmt.format(day)));
  }
  if ((series || []).length > 1) {  // side by side: a line per scorecard version, and a legend
    const legend = h("ul", {class: "trend-legend"});
    series.forEach((line, n) => {
      const at = line.points.map((p) => `${x(Date.parse(`${p.day}T00:00:00Z`)).toFixed(1)},${y(p.avg_score).toFixed(1)}`);
      svg.append(h("svg:polyline", {class: `trend-line series-${n % 4}`, points: at.join(" "),
        "data-scorecard": line.scorecard}, h("svg:title", {}, line.scorecard)));
      legend.append(h("li", {class: `series-${n % 4}`, "data-scorecard": line.scorecard}, line.scorecard));
    });
    return h("div", {class: "trend-versions"}, svg, legend);
  }
  const xy = points.map((p, i) => `${x(days[i]).toFixed(1)},${y(p.avg_score).toFixed(1)}`);
  svg.append(h("svg:polyline", {class: "trend-line", points: xy.join(" ")}));
  points.forEach((p, i) => {
    const label = t("trendPoint", {day: dayFmt.format(days[i]), score: Math.round(p.avg_score), calls: p.calls});
    svg.append(h("svg:circle", {class: "trend-point", cx: x(days[i]), cy: y(p.avg_score), r: 3, "data-day": p.day},
      h("svg:title", {}, label)));
  });
  return svg;
};
