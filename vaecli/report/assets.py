"""The page's own style and scripts: table sorting, filtering and paging (TABLE_JS, which runs before the
Vega bundle is parsed, so the table is usable at once), the column picker, tick-to-compare and the lightbox.

Vega-Lite (vaecli.report.charts) draws every chart; what is left here is the glue that no charting
library does: moving figures into a side-by-side grid when runs are ticked and enlarging one on
click. Kept short and free of dependencies.
"""

CSS = """
body { font-family: system-ui, sans-serif; margin: 1.2rem; color: #222; }
h1 { margin: 0 0 0.3rem; } p { margin: 0.3rem 0; }
.hint { font-size: 0.8rem; color: #555; }
table { border-collapse: collapse; font-size: 0.8rem; margin-bottom: 1rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.4rem; text-align: right; white-space: nowrap; background: #fff; }
th { background: #f0f0f0; cursor: pointer; position: sticky; top: 0; white-space: normal; max-width: 7.5em;
     vertical-align: bottom; z-index: 1; }
th.asc::after { content: " ▲"; } th.desc::after { content: " ▼"; }
td.run, th.run { text-align: left; position: sticky; left: 0; z-index: 2; max-width: 22em; overflow: hidden;
                text-overflow: ellipsis; }
th.run { z-index: 3; }
td.best { font-weight: bold; background: #dff3df; }
.variant { font-size: 0.7rem; color: #777; max-width: 22em; overflow: hidden; text-overflow: ellipsis; }
.scroll { overflow-x: auto; max-width: 100%; }
details.columns { font-size: 0.8rem; margin: 0.4rem 0; } details.columns label { white-space: nowrap; margin-right: 0.6rem; }
details.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.3rem 0.8rem; margin: 0.6rem 0; }
details.card > summary { cursor: pointer; font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: flex-start; }
figure { margin: 0; } figcaption { font-size: 0.75rem; color: #555; }
.figures img { display: block; width: 320px; } .figures img.reconstructions { width: 480px; }
img.zoom { cursor: zoom-in; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; margin-top: 0.5rem; }
#compare { border-top: 2px solid #888; margin-top: 1rem; }
#compare-grid { display: grid; gap: 0.4rem 1rem; align-items: start; }
#compare-grid h3 { margin: 0.3rem 0; font-size: 0.9rem; }
#compare-grid img { display: block; width: 100%; }
#lightbox { position: fixed; inset: 0; background: rgba(0, 0, 0, 0.8); display: flex; align-items: center;
            justify-content: center; z-index: 10; cursor: zoom-out; }
#lightbox[hidden] { display: none; }
#lightbox img { max-width: 96vw; max-height: 96vh; background: #fff; }
#vg-tooltip-element img { width: 180px; image-rendering: pixelated; }
.damaged { color: #a40000; } details.damaged { font-size: 0.8rem; margin: 0.4rem 0; }
.units { font-weight: normal; font-size: 0.7rem; color: #a45a00; }
.provenance code { font-size: 0.7rem; } .state.failed, .state.interrupted { color: #a40000; }
.optuna-study h3 { font-size: 0.95rem; margin: 0.6rem 0 0.2rem; }
#pager button { font-size: 0.75rem; }
"""

# raw: the JavaScript keeps its own escapes (\s)
TABLE_JS = r"""
(function () {
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, column) {
      th.addEventListener("click", function (event) {
        if (event.target.tagName === "INPUT") return;
        var ascending = !th.classList.contains("asc");
        table.querySelectorAll("th").forEach(function (other) { other.classList.remove("asc", "desc"); });
        th.classList.add(ascending ? "asc" : "desc");
        var body = table.tBodies[0], rows = Array.from(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
          if (x === "" || y === "") return (x === "") - (y === "");
          var nx = Number(x), ny = Number(y);
          var order = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        if (table.refresh) table.refresh();
      });
    });
  });

  document.querySelectorAll("input.column").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll('[data-col="' + CSS.escape(box.value) + '"]').forEach(function (el) { el.hidden = !box.checked; });
    });
  });

  // The runs table: filter by words or by key<value, key>value, key=value on any column (config values,
  // settings, metrics, also folded ones), shown a page of rows at a time.
  var table = document.getElementById("runs"), input = document.getElementById("filter");
  if (table && input) {
    var body = table.tBodies[0], page = 0;
    var keys = Array.from(table.tHead.rows[0].cells).map(function (th) { return th.dataset.key || ""; });
    var count = document.getElementById("shown-count"), pager = document.getElementById("pager");
    var parse = function (text) {
      return text.trim().split(/\s+/).filter(Boolean).map(function (term) {
        var m = term.match(/^([^<>=]+?)(<=|>=|<|>|=)(.*)$/);
        return m ? {column: keys.indexOf(m[1]), key: m[1], op: m[2], value: m[3]} : {word: term.toLowerCase()};
      });
    };
    var matches = function (row, terms) {
      return terms.every(function (t) {
        if (t.word !== undefined) return row.textContent.toLowerCase().indexOf(t.word) >= 0;
        if (t.column < 0) return false;
        var x = row.cells[t.column].dataset.value;
        if (x === undefined || x === "") return false;
        var nx = Number(x), ny = Number(t.value), numeric = !isNaN(nx) && !isNaN(ny) && t.value !== "";
        if (!isNaN(ny) && t.value !== "" && !isFinite(nx)) return false;  // a diverged value (nan, inf) matches no number
        var order = numeric ? nx - ny : x.localeCompare(t.value);
        return {"<": order < 0, ">": order > 0, "<=": order <= 0, ">=": order >= 0, "=": order === 0}[t.op];
      });
    };
    var button = function (text, to) {
      var b = document.createElement("button");
      b.textContent = text;
      b.addEventListener("click", function () { page = to; table.refresh(); });
      return b;
    };
    table.refresh = function () {
      var terms = parse(input.value), rows = Array.from(body.rows);
      var kept = rows.filter(function (row) { return matches(row, terms); });
      var PAGE = Number(table.dataset.page) || 50;  // rows shown at once: the first rows at once, the rest a page away
      var pages = Math.max(1, Math.ceil(kept.length / PAGE));
      page = Math.min(page, pages - 1);
      rows.forEach(function (row) { row.hidden = true; });
      kept.slice(page * PAGE, (page + 1) * PAGE).forEach(function (row) { row.hidden = false; });
      var unknown = terms.filter(function (t) { return t.column < 0; }).map(function (t) { return t.key; });
      count.textContent = kept.length + " of " + rows.length + " runs" + (unknown.length ? " (no column " + unknown.join(", ") + ")" : "");
      pager.innerHTML = "";
      if (pages > 1) {
        if (page > 0) pager.appendChild(button("‹ previous", page - 1));
        pager.appendChild(document.createTextNode(" page " + (page + 1) + " of " + pages + " "));
        if (page < pages - 1) pager.appendChild(button("next ›", page + 1));
      }
    };
    input.addEventListener("input", function () { page = 0; table.refresh(); });
    table.refresh();
  }
  window.vaeTableReady = performance.now();  // the moment the runs table sorts and filters: what the benchmark times
})();
"""

JS = """
(function () {
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var views = window.vaeViews = {};
  if (!window.vegaEmbed) {
    document.querySelectorAll(".charts, #compare-curves").forEach(function (el) {
      el.textContent = "The charts need the folder of scripts written beside this page (its name ends in _files); copy it with the page.";
    });
    return;
  }
  function spec(id) { return JSON.parse(document.getElementById(id).textContent); }
  function embed(el, s, key) {
    return vegaEmbed(el, s, {actions: false, renderer: "svg"}).then(function (r) { if (key) views[key] = r.view; return r.view; });
  }
  // A run's curves: its columns of numbers spread into records, in the one curves spec.
  function records(i) {
    var run = data.runs[i], c = run.curves, out = [];
    Object.keys(c.series).forEach(function (key) {
      var split = key.split("/")[0], part = key.slice(split.length + 1);
      c.series[key].forEach(function (value, k) {
        if (value !== null) out.push({id: i, run: run.label, epoch: c.epoch[k], split: split, part: part,
                                      panel: run.panels[part] || part, value: value});
      });
    });
    return out;
  }
  function curves(ids, id) {
    var s = spec(id);
    s.data = {values: [].concat.apply([], ids.map(records))};
    return s;
  }
  // A run's latent view: inline (embed=true) or a script beside the page, loaded when first shown.
  var loading = {};
  window.vaeSpec = function (key, s) { if (loading[key]) loading[key].resolve(s); };
  function latent(i) {
    var inline = document.getElementById("spec-latent-" + i), key = data.runs[i].latent;
    if (inline) return Promise.resolve(JSON.parse(inline.textContent));
    if (!loading[key]) {
      var entry = loading[key] = {};
      entry.promise = new Promise(function (resolve, reject) {
        entry.resolve = resolve;
        var script = document.createElement("script");
        script.src = data.side + "/" + key + ".js";
        script.onerror = function () { reject(new Error("cannot load " + script.src)); };
        document.head.appendChild(script);
      });
    }
    return loading[key].promise.then(function (s) { return JSON.parse(JSON.stringify(s)); });  // a copy: compare changes it
  }

  // A run's charts are drawn when its card is first opened: a sweep of many runs stays quick to open.
  function draw(card) {
    if (card.dataset.drawn) return;
    card.dataset.drawn = "1";
    card.querySelectorAll("[data-curves]").forEach(function (el) { embed(el, curves([Number(el.dataset.curves)], "spec-curves")); });
    card.querySelectorAll("[data-latent]").forEach(function (el) {
      var i = Number(el.dataset.latent);
      latent(i).then(function (s) { return embed(el, s, "latent-" + i); });
    });
  }
  document.querySelectorAll("details.card").forEach(function (card) {
    card.addEventListener("toggle", function () { if (card.open) draw(card); });
    if (card.open) draw(card);
  });
  document.querySelectorAll(".study[data-spec]").forEach(function (el) { embed(el, spec(el.dataset.spec), el.id); });

  var lightbox = document.getElementById("lightbox"), big = lightbox.querySelector("img");
  document.addEventListener("click", function (event) {
    if (event.target.matches("img.zoom")) { big.src = event.target.src; lightbox.hidden = false; }
    else if (lightbox.contains(event.target)) { lightbox.hidden = true; }
  });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") lightbox.hidden = true; });

  // Tick to compare: the ticked runs' latent views (on one set of axes), figures and curves side by side.
  var picks = Array.from(document.querySelectorAll("input.pick")), order = [];
  var compared = document.getElementById("compare-curves");
  // The VAEs' latent views share one set of axes; a map (vae embed) keeps its own, whose units are not a code's.
  function union(axis) {
    var ranges = order.filter(function (i) { return data.runs[i].extent && !data.runs[i].map; })
      .map(function (i) { return data.runs[i].extent[axis]; });
    return [Math.min.apply(null, ranges.map(function (r) { return r[0]; })), Math.max.apply(null, ranges.map(function (r) { return r[1]; }))];
  }
  function compare() {
    picks.forEach(function (p) { p.disabled = !p.checked && order.length >= 4; });
    document.getElementById("compare-hint").hidden = order.length >= 2;
    var grid = document.getElementById("compare-grid");
    grid.innerHTML = "";
    grid.style.gridTemplateColumns = "repeat(" + Math.max(order.length, 1) + ", minmax(0, 480px))";
    order.forEach(function (i) {
      var heading = document.createElement("h3");
      heading.textContent = data.runs[i].label;
      grid.appendChild(heading);
    });
    if (order.some(function (i) { return data.runs[i].extent; })) {
      var x = union(0), y = union(1);  // each run's extent keeps a margin, so the union does too
      order.forEach(function (i) {
        var cell = document.createElement("div");
        cell.className = "compare-latent";
        grid.appendChild(cell);
        if (!data.runs[i].extent) return;
        latent(i).then(function (s) {
          if (!data.runs[i].map) { s.encoding.x.scale.domain = x; s.encoding.y.scale.domain = y; }
          return embed(cell, s, "compare-latent-" + i);
        });
      });
    }
    var kinds = [];
    order.forEach(function (i) {
      document.querySelectorAll("#card-" + i + " figure.figure").forEach(function (f) {
        if (kinds.indexOf(f.dataset.kind) < 0) kinds.push(f.dataset.kind);
      });
    });
    kinds.forEach(function (kind) {
      order.forEach(function (i) {
        var figure = document.querySelector("#card-" + i + ' figure.figure[data-kind="' + CSS.escape(kind) + '"]');
        grid.appendChild(figure ? figure.cloneNode(true) : document.createElement("div"));
      });
    });
    if (order.length < 2) { compared.innerHTML = ""; return; }  // curves of nothing to compare: an empty chart
    var s = curves(order, "spec-compare-curves");
    s.params.forEach(function (p) { if (p.name === "picked") p.value = order.slice(); });
    embed(compared, s, "compare");
  }
  picks.forEach(function (p) {
    if (p.checked) order.push(Number(p.value));
    p.addEventListener("change", function () {
      var i = Number(p.value);
      order = order.filter(function (j) { return j !== i; });
      if (p.checked) order.push(i);
      compare();
    });
  });
  // A configuration's tick box ticks its lowest seed's run, and follows it.
  var configurations = Array.from(document.querySelectorAll("input.pick-configuration"));
  function follow() {
    configurations.forEach(function (c) {
      var run = document.querySelector('input.pick[value="' + c.value + '"]');
      c.checked = run.checked;
      c.disabled = run.disabled;
    });
  }
  configurations.forEach(function (c) {
    c.addEventListener("change", function () {
      var run = document.querySelector('input.pick[value="' + c.value + '"]');
      if (run.checked !== c.checked) run.click();
    });
  });
  picks.forEach(function (p) { p.addEventListener("change", follow); });
  compare();
  follow();
})();
"""
