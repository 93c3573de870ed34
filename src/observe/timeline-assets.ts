/**
 * The timeline's inline style and script. Both ship inside the HTML file: it makes no network
 * request (its Content-Security-Policy forbids any), so it opens offline and from an archive.
 */

export const TIMELINE_CSS = `
:root { --pure: #2a9d8f; --stochastic: #7b61c4; --effectful: #e08a2c; --error: #d1495b;
  --ok: #3c9d4a; --muted: #6b7280; --line: #e5e7eb; --bg: #ffffff; --fg: #111827; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
header { padding: 16px 20px 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 18px; margin: 0 0 4px; }
h2 { font-size: 14px; margin: 20px 20px 8px; }
.sub { color: var(--muted); margin: 0 0 10px; }
.summary { display: flex; flex-wrap: wrap; gap: 8px; margin: 0; padding: 0; }
.summary div { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; min-width: 120px; }
.summary dt { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .04em; }
.summary dd { margin: 0; font-size: 15px; font-weight: 600; }
.note { color: var(--muted); max-width: 900px; margin: 8px 0 0; }
.legend { display: flex; gap: 14px; flex-wrap: wrap; margin: 10px 0 0; color: var(--muted); }
.legend i { display: inline-block; width: 12px; height: 10px; margin-right: 5px;
  vertical-align: -1px; border-radius: 2px; background: #fff; }
.gantt { margin: 0 20px; position: relative; }
.overlay { position: absolute; top: 0; bottom: 0; left: 340px; right: 230px; pointer-events: none; z-index: 3; }
.row { display: grid; grid-template-columns: 340px 1fr 230px; align-items: center;
  border-bottom: 1px solid #f3f4f6; min-height: 20px; }
.row:hover, .row.selected { background: #f9fafb; }
.row.axis { position: sticky; top: 0; background: var(--bg); z-index: 2; border-bottom: 1px solid var(--line); }
.label { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding-right: 8px; }
.label .path { color: var(--muted); }
.track { position: relative; height: 20px; }
.track .grid { position: absolute; top: 0; bottom: 0; width: 1px; background: #f0f0f0; }
.bar { position: absolute; top: 4px; height: 12px; min-width: 1px; border-radius: 2px;
  background: var(--effectful); }
.bar.pure { background: var(--pure); } .bar.stochastic { background: var(--stochastic); }
.bar.composite { top: 8px; height: 4px; opacity: .55; }
.bar.error { background: var(--error); }
.bar.running { background: repeating-linear-gradient(45deg, #9ca3af 0 4px, #d1d5db 4px 8px); }
.bar.wasted { background: repeating-linear-gradient(45deg, var(--error) 0 3px, #fde2e4 3px 6px); }
.bar.claimed { box-shadow: 0 0 0 2px var(--ok); }
.bar.critical { outline: 2px solid #111827; outline-offset: 0; }
.wait { position: absolute; top: 9px; height: 2px; background: #9ca3af; }
.marker { position: absolute; top: 0; bottom: 0; width: 0; border-left: 2px dashed #111827; }
.marker.wall { border-left-style: solid; border-color: var(--muted); }
.marker-label { position: absolute; font-size: 11px; white-space: nowrap;
  transform: translateX(-100%); padding-right: 4px; }
.marker-label.wall { top: 18px; color: var(--muted); } .marker-label.bound { top: 32px; }
.axis .track { height: 48px; }
.cells { display: grid; grid-template-columns: 70px 70px 90px; text-align: right;
  font-variant-numeric: tabular-nums; color: #374151; padding-left: 8px; }
.cells.head { color: var(--muted); font-size: 11px; }
.axis .tick { position: absolute; top: 3px; font-size: 11px; color: var(--muted);
  transform: translateX(-50%); white-space: nowrap; }
.axis .tick:first-child { transform: none; }
.axis .tick:nth-child(5) { transform: translateX(-100%); }
details { margin-left: 14px; }
.tree { margin: 0 20px; font-variant-numeric: tabular-nums; }
.tree summary, .tree .leafnode { padding: 1px 0; margin-left: 14px; }
.tree .leafnode { margin-left: 28px; }
.tree .meta { color: var(--muted); margin-left: 6px; }
.status-error { color: var(--error); font-weight: 600; }
table { border-collapse: collapse; margin: 0 20px 24px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.detail { position: fixed; right: 16px; bottom: 16px; max-width: 460px; background: #111827;
  color: #f9fafb; padding: 10px 12px; border-radius: 8px; white-space: pre-wrap; font-size: 12px;
  display: none; z-index: 3; }
.filter { margin: 12px 20px 6px; }
.filter input { width: 320px; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px; }
.empty { margin: 20px; color: var(--muted); }
`;

/** Shows a row's details on click and filters rows by name or path; reads only the DOM. */
export const TIMELINE_JS = `
(function () {
  "use strict";
  var detail = document.getElementById("detail");
  var rows = Array.prototype.slice.call(document.querySelectorAll(".gantt .row[data-call-id]"));
  var selected = null;
  rows.forEach(function (row) {
    row.addEventListener("click", function () {
      if (selected) selected.classList.remove("selected");
      if (selected === row) { selected = null; detail.style.display = "none"; return; }
      selected = row;
      row.classList.add("selected");
      detail.textContent = row.getAttribute("data-detail") || "";
      detail.style.display = "block";
    });
  });
  var input = document.getElementById("filter");
  if (input) {
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      rows.forEach(function (row) {
        var text = (row.getAttribute("data-search") || "").toLowerCase();
        row.style.display = q === "" || text.indexOf(q) >= 0 ? "" : "none";
      });
    });
  }
})();
`;
