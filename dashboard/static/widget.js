/* AICA card widget: recent calls, call detail (transcript, analysis, audio) and the score trend.
   No framework and no build step: the card's iframe must load fast and work without any CDN.
   All data goes into the DOM through textContent, never innerHTML (transcripts are user text). */
(function () {
  "use strict";
  const root = document.getElementById("aica");
  const cfg = root.dataset;  // session, lang, entityType, entityId, apiBase
  const lang = cfg.lang === "ru" ? "ru" : "en";
  const strings = window.AICA_I18N[lang];
  const SVG_NS = "http://www.w3.org/2000/svg";
  const dateFmt = new Intl.DateTimeFormat(lang, {dateStyle: "short", timeStyle: "short"});

  function t(key, vars) {
    const text = strings[key] || window.AICA_I18N.en[key] || key;
    return text.replace(/\{(\w+)\}/g, (_, name) => (vars && name in vars ? String(vars[name]) : ""));
  }

  /* h("button", {class: "x", onclick: fn}, "text", child) -> element; null/false children are skipped. */
  function h(tag, attrs, ...children) {
    const el = tag.startsWith("svg:") ? document.createElementNS(SVG_NS, tag.slice(4)) : document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  function clock(seconds) {
    const s = Math.max(0, Math.round(Number(seconds) || 0));
    const hours = Math.floor(s / 3600), mm = String(Math.floor(s / 60) % 60), ss = String(s % 60).padStart(2, "0");
    return hours ? `${hours}:${mm.padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
  }

  function when(iso) {
    const date = new Date(iso);
    return isNaN(date) ? String(iso || "") : dateFmt.format(date);
  }

  function score(value, outcome) {
    const known = value !== null && value !== undefined;
    return h("span", {class: `score score-${outcome || "none"}`, title: t("score")},
      known ? Math.round(value) : t("noScore"));
  }

  /* Mono recordings have no diarisation: their turns say "unknown", which is better left unsaid. */
  function speaker(name) {
    const label = strings[`speaker_${name}`] || (name && name !== "unknown" ? name : "");
    return label ? h("span", {class: `turn-speaker speaker-${name}`}, label) : null;
  }

  class ApiError extends Error {
    constructor(status) { super(`HTTP ${status}`); this.status = status; }
  }

  async function api(path) {
    const resp = await fetch(cfg.apiBase + path, {
      headers: {Authorization: `Bearer ${cfg.session}`, Accept: "application/json"},
      credentials: "omit", cache: "no-store",
    });
    if (!resp.ok) throw new ApiError(resp.status);
    return resp.json();
  }

  function failure(error, retry) {
    const expired = error && (error.status === 401 || error.status === 403);
    return h("div", {class: "error", role: "alert"}, h("p", {}, t(expired ? "expired" : "error")),
      expired ? null : h("button", {type: "button", onclick: retry}, t("retry")));
  }

  function section(id, title, body) {
    return h("section", {class: id, "aria-labelledby": `${id}-title`},
      h("h2", {id: `${id}-title`}, title), body);
  }

  // --- list of recent calls --------------------------------------------------------------------
  function callRow(call) {
    const dir = ["incoming", "outgoing"].includes(call.direction) ? call.direction : "unknown";
    const cells = [
      h("span", {class: "call-when"}, when(call.started_at)),
      h("span", {class: `call-dir dir-${dir}`}, t(dir)),
      h("span", {class: "call-agent"}, t("agent", {id: call.responsible_id})),
      h("span", {class: "call-duration"}, clock(call.duration_s)),
      score(call.score, call.outcome),
      h("span", {class: `badge status-${call.status}`}, t(`status_${call.status}`)),
    ];
    const reason = call.reason && call.status !== "done" ? h("p", {class: "reason"}, call.reason) : null;
    const body = call.status === "done"
      ? h("button", {type: "button", class: "call-open",
          onclick: (ev) => openCall(call.call_id, ev.currentTarget)}, cells)
      : h("div", {class: "call-open"}, cells);
    return h("li", {class: "call", "data-call-id": call.call_id, "data-status": call.status}, body, reason);
  }

  // --- one call: audio, analysis per criterion with evidence, transcript ------------------------
  /* A call judged under several scorecard versions (aica rescore): pick the version to show. */
  function versionPicker(call, switchVersion) {
    const versions = call.scorecards || [];
    if (versions.length < 2) return null;
    return h("label", {class: "versions"}, `${t("scorecardVersion")} `,
      h("select", {class: "version-select", onchange: (ev) => switchVersion(ev.target.value)},
        versions.map((v) => h("option", {value: v.scorecard, selected: v.scorecard === call.scorecard},
          `${v.scorecard}: ${Math.round(v.score)}`))));
  }

  function callDetail(call, back, switchVersion) {
    const audio = h("audio", {class: "recording", controls: true, preload: "metadata", src: call.audio_url,
      "aria-label": t("recording")});
    const turns = (call.transcript || []).map((turn, index) => h("li", {class: "turn", "data-index": index},
      h("button", {type: "button", class: "turn-seek", "data-start": turn.start,
        "aria-label": `${t("seekTurn", {time: clock(turn.start)})}: ${turn.text}`,
        onclick: () => seek(turn.start, index)},
        h("span", {class: "turn-time"}, clock(turn.start)),
        speaker(turn.speaker),
        h("span", {class: "turn-text"}, turn.text))));
    const transcript = h("ol", {class: "transcript"}, turns);

    function highlight(index, scroll) {
      turns.forEach((li, i) => {
        li.classList.toggle("is-active", i === index);
        if (i === index) li.setAttribute("aria-current", "true"); else li.removeAttribute("aria-current");
      });
      if (scroll && turns[index]) turns[index].scrollIntoView({block: "nearest"});
    }
    function turnAt(seconds) {
      let found = -1;
      (call.transcript || []).forEach((turn, i) => { if (turn.start <= seconds + 0.05) found = i; });
      return found;
    }
    function seek(start, index) {
      audio.currentTime = Number(start) || 0;
      highlight(Number.isInteger(index) && turns[index] ? index : turnAt(start), true);
      const playing = audio.play();
      if (playing) playing.catch(() => {});  // no audio device or not yet loaded: the seek still stands
    }
    audio.addEventListener("timeupdate", () => { if (!audio.paused) highlight(turnAt(audio.currentTime), false); });

    const criteria = h("ul", {class: "criteria"}, (call.criteria || []).map((c) => h("li",
      {class: "criterion", "data-criterion": c.id, "data-verdict": c.verdict},
      h("div", {class: "criterion-head"},
        h("span", {class: `badge verdict verdict-${c.verdict}`}, t(c.verdict)),
        h("span", {class: "criterion-label"}, c.label),
        c.critical ? h("span", {class: "badge critical"}, t("critical")) : null,
        h("span", {class: "criterion-points"}, t("points", {points: c.points, weight: c.weight}))),
      (c.evidence || []).map(evidenceQuote))));

    function evidenceQuote(e) {
      const segment = (call.transcript || [])[e.segment];
      const start = typeof e.start === "number" ? e.start : segment ? segment.start : null;
      if (start === null) return h("p", {class: "quote"}, h("q", {}, e.quote));  // nowhere to seek to
      return h("button", {type: "button", class: "quote", "data-start": start,
        "aria-label": t("evidence", {time: clock(start), quote: e.quote}), onclick: () => seek(start, e.segment)},
        h("q", {}, e.quote), h("span", {class: "quote-time"}, clock(start)));
    }

    const improvements = call.improvements || [];
    return h("article", {class: "detail", "data-call-id": call.call_id},
      h("button", {type: "button", class: "back", onclick: back}, `← ${t("back")}`),
      h("h2", {class: "detail-title", tabindex: -1}, when(call.started_at)),
      h("p", {class: "detail-meta"},
        score(call.score, call.outcome), " ",
        call.outcome ? h("span", {class: `badge outcome-${call.outcome}`}, t(`outcome_${call.outcome}`)) : null, " ",
        h("span", {class: `badge compliance-${call.compliance}`},
          `${t("compliance")}: ${t(`compliance_${call.compliance}`)}`), " ",
        h("span", {class: "call-duration"}, clock(call.duration_s))),
      versionPicker(call, switchVersion),
      audio,
      call.summary ? section("summary", t("summary"), h("p", {}, call.summary)) : null,
      improvements.length ? section("improvements", t("improvements"), h("ul", {}, improvements.map((i) => h("li", {}, i)))) : null,
      section("analysis", t("criteria"), criteria),
      section("transcript-section", t("transcript"), turns.length ? transcript : h("p", {class: "empty"}, t("transcriptEmpty"))));
  }

  // --- rescore runs (admins: GET /rescore-runs answers 403 to everyone else) ----------------------
  const dayFmt = new Intl.DateTimeFormat(lang, {dateStyle: "short", timeZone: "UTC"});  // as the trend's days
  function day(iso) {
    return iso ? dayFmt.format(new Date(iso)) : "…";
  }

  function rescoreRuns(runs) {
    return h("ul", {class: "rescore-runs"}, runs.map((run) => h("li",
      {class: "rescore-run", "data-run-id": run.run_id, "data-state": run.state},
      h("span", {class: "run-range"}, `${day(run.since)} – ${day(run.until)}`),
      h("span", {class: "run-versions"}, (run.scorecards || []).join(", ")),
      h("span", {class: "run-counts"}, t("runCounts", {read: run.calls_read, rescored: run.calls_rescored})),
      h("span", {class: `badge run-state state-${run.state}`}, t(`run_${run.state}`)))));
  }

  async function showRescoreRuns(container) {
    try {
      const data = await api("/rescore-runs");
      if (data.runs && data.runs.length) {
        container.replaceChildren(section("rescores", t("rescores"), rescoreRuns(data.runs)));
      }
    } catch (error) {
      // Not an admin (403), or no runs to show: the section stays out of the way.
    }
  }

  // --- views -------------------------------------------------------------------------------------
  const listView = h("div", {class: "list-view"});
  let detailView = null;

  async function fill(container, load, render) {
    container.replaceChildren(h("p", {class: "loading", role: "status"}, t("loading")));
    try {
      container.replaceChildren(render(await load()));
    } catch (error) {
      container.replaceChildren(failure(error, () => fill(container, load, render)));
    }
  }

  async function openCall(callId, opener, scorecard) {
    const view = h("div", {class: "detail-view"});
    const back = () => {
      view.remove(); detailView = null; listView.hidden = false;
      if (opener && opener.isConnected) opener.focus();
    };
    if (detailView) detailView.remove();
    detailView = view; listView.hidden = true; root.append(view);
    const query = scorecard ? `?scorecard=${encodeURIComponent(scorecard)}` : "";
    await fill(view, () => api(`/calls/${encodeURIComponent(callId)}${query}`),
      (call) => callDetail(call, back, (ref) => openCall(callId, opener, ref)));
    const title = view.querySelector(".detail-title");
    if (title) title.focus();
    view.addEventListener("keydown", (ev) => { if (ev.key === "Escape") back(); });
  }

  function start() {
    document.documentElement.lang = lang;
    const trend = h("div", {class: "trend-body"}), calls = h("div", {class: "calls-body"});
    const runs = h("div", {class: "rescores-body"});
    listView.append(section("trend", t("trend"), trend), section("calls", t("calls"), calls), runs);
    root.replaceChildren(listView);
    Promise.all([
      fill(calls, () => api("/calls?limit=50"), (data) => data.calls.length
        ? h("ul", {class: "call-list"}, data.calls.map(callRow)) : h("p", {class: "empty"}, t("callsEmpty"))),
      fill(trend, () => api("/trend?days=90"), (data) => window.AICA_trendChart(data.points || [], {h, t, lang}, data.series || [])),
      showRescoreRuns(runs),
    ]).then(() => { performance.mark("aica-ready"); root.setAttribute("data-ready", "true"); });
  }

  start();
})();
