import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { formatCount, formatMs, formatUsd, escapeHtml as h, percent } from "./html.js";
import { callLabel, type RecordedCall, type RunRecord } from "./run-record.js";
import { TIMELINE_CSS, TIMELINE_JS } from "./timeline-assets.js";

/** Nothing may load from anywhere: styles and the script are inline, images would be data URLs. */
const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

/**
 * The record as one self-contained HTML page: a summary (wall time beside the bound, calls,
 * tokens, cost, early starts), a Gantt with one bar per call in call-tree order (queue waits as
 * a thin line before the bar, the bound's chain outlined, claimed early calls ringed green and
 * wasted ones hatched red), the call tree with tokens and cost per node, and the early starts
 * with what each wasted one cost. Every name and path is escaped.
 */
export function renderTimeline(record: RunRecord): string {
  const title = record.label ? `${record.label} — ember-xcs timeline` : "ember-xcs timeline";
  const tree = callTree(record.calls);
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(title)}</title>`,
    `<style>${TIMELINE_CSS}</style></head><body>`,
    header(record, title),
    '<div class="filter"><input id="filter" type="search" placeholder="filter by name or path" aria-label="filter calls"></div>',
    gantt(record, tree),
    '<h2>Call tree</h2><div class="tree">',
    tree.roots.map((i) => treeNode(record.calls, tree, i)).join(""),
    "</div>",
    speculations(record),
    '<div id="detail" class="detail" role="status"></div>',
    `<script>${TIMELINE_JS}</script>`,
    "</body></html>",
  ].join("\n");
}

/** Writes `renderTimeline(record)` to `path` (creating its directory); returns the absolute path. */
export function writeTimeline(record: RunRecord, path: string): string {
  const absolute = resolve(path);
  mkdirSync(dirname(absolute), { recursive: true });
  writeFileSync(absolute, renderTimeline(record));
  return absolute;
}

interface Tree {
  readonly roots: number[];
  readonly children: number[][];
  /** Call indexes depth-first, children in start order: the Gantt's row order. */
  readonly order: number[];
  readonly depth: number[];
  /** Tokens and cost of each call and everything under it. */
  readonly tokens: number[];
  readonly cost: number[];
}

function callTree(calls: readonly RecordedCall[]): Tree {
  const index = new Map(calls.map((c, i) => [c.id, i]));
  const roots: number[] = [];
  const children: number[][] = calls.map(() => []);
  calls.forEach((c, i) => {
    const p = c.parentId === undefined ? undefined : index.get(c.parentId);
    if (p === undefined) roots.push(i);
    else children[p]!.push(i);
  });
  const tokens = calls.map((c) => c.promptTokens + c.completionTokens);
  const cost = calls.map((c) => c.costUsd);
  // Parents precede their children in start order, so one backward pass sums every subtree.
  for (let i = calls.length - 1; i >= 0; i--) {
    const p = calls[i]!.parentId === undefined ? undefined : index.get(calls[i]!.parentId!);
    if (p === undefined) continue;
    tokens[p]! += tokens[i]!;
    cost[p]! += cost[i]!;
  }
  const order: number[] = [];
  const depth = new Array<number>(calls.length).fill(0);
  const stack = roots.slice().reverse();
  while (stack.length > 0) {
    const i = stack.pop()!;
    order.push(i);
    const kids = children[i]!;
    for (let k = kids.length - 1; k >= 0; k--) {
      depth[kids[k]!] = depth[i]! + 1;
      stack.push(kids[k]!);
    }
  }
  return { roots, children, order, depth, tokens, cost };
}

function header(record: RunRecord, title: string): string {
  const t = record.totals;
  const ratio = record.boundMs > 0 ? `${(record.wallMs / record.boundMs).toFixed(2)}× bound` : "";
  const tokens = t.promptTokens + t.completionTokens;
  const cell = (name: string, value: string, id: string) =>
    `<div><dt>${name}</dt><dd id="${id}">${h(value)}</dd></div>`;
  const cells = [
    cell("wall time", formatMs(record.wallMs), "wall"),
    cell("bound", `${formatMs(record.boundMs)}${ratio ? ` · wall ${ratio}` : ""}`, "bound"),
    cell(
      "calls",
      `${formatCount(t.calls)}${t.failedCalls ? ` · ${t.failedCalls} failed` : ""}`,
      "calls",
    ),
    cell("model requests", formatCount(t.requests), "requests"),
    cell(
      "tokens",
      `${formatCount(tokens)} (${formatCount(t.promptTokens)} in · ${formatCount(t.completionTokens)} out)`,
      "tokens",
    ),
    cell("cost", formatUsd(t.costUsd), "cost"),
    cell("queue wait", formatMs(t.waitMs), "wait"),
    cell(
      "early starts",
      `${t.speculated} · ${t.claimed} claimed · ${t.wasted} wasted (${formatUsd(t.wastedCostUsd)})`,
      "speculation",
    ),
  ];
  const legend = [
    ["pure", "background:var(--pure)"],
    ["stochastic", "background:var(--stochastic)"],
    ["effectful", "background:var(--effectful)"],
    ["failed", "background:var(--error)"],
    [
      "wasted early start",
      "background:repeating-linear-gradient(45deg,#d1495b 0 3px,#fde2e4 3px 6px)",
    ],
    ["claimed early start", "box-shadow:0 0 0 2px var(--ok)"],
    ["on the bound's chain", "outline:2px solid #111827"],
    ["queue wait", "background:#9ca3af;height:2px;vertical-align:3px"],
  ]
    .map(([name, style]) => `<span><i style="${style}"></i>${name}</span>`)
    .join("");
  return [
    `<header><h1>${h(title)}</h1>`,
    `<p class="sub">started ${h(record.startedAt)} · ${formatCount(record.calls.length)} calls</p>`,
    `<dl class="summary">${cells.join("")}</dl>`,
    '<p class="note">The bound is the earliest this run could have finished with unlimited',
    "concurrency: each call that made no further calls takes its observed time (queue wait",
    "excluded), and a call waits only for its caller to start and for the calls beside it that",
    "had finished before it was requested. The outlined bars are the chain that sets it.</p>",
    `<div class="legend">${legend}</div></header>`,
  ].join("\n");
}

function gantt(record: RunRecord, tree: Tree): string {
  const calls = record.calls;
  if (calls.length === 0) return '<p class="empty">No operator calls were recorded.</p>';
  let span = record.wallMs;
  for (const c of calls) span = Math.max(span, c.endMs);
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<span class="tick" style="left:${percent(f * span, span)}">${formatMs(f * span)}</span>`,
    )
    .join("");
  const markers = [
    `<div class="marker bound" data-ms="${record.boundMs}" style="left:${percent(record.boundMs, span)}"></div>`,
    `<div class="marker wall" data-ms="${record.wallMs}" style="left:${percent(record.wallMs, span)}"></div>`,
  ].join("");
  const flags = [
    `<span class="marker-label bound" style="left:${percent(record.boundMs, span)}">bound ${formatMs(record.boundMs)}</span>`,
    `<span class="marker-label wall" style="left:${percent(record.wallMs, span)}">wall ${formatMs(record.wallMs)}</span>`,
  ].join("");
  const axis = [
    '<div class="row axis"><div class="label"><b>call</b></div>',
    `<div class="track" id="axis" data-span-ms="${span}">${ticks}${flags}</div>`,
    '<div class="cells head"><span>time</span><span>tokens</span><span>cost</span></div></div>',
  ].join("");
  const rows = tree.order.map((i) =>
    ganttRow(calls[i]!, tree.depth[i]!, tree.children[i]!.length === 0, span),
  );
  // One layer over every row's track carries the bound and wall lines.
  const overlay = `<div class="overlay">${markers}</div>`;
  return `<h2>Timeline</h2><div class="gantt" id="gantt">${overlay}${axis}${rows.join("")}</div>`;
}

function ganttRow(c: RecordedCall, depth: number, childless: boolean, span: number): string {
  const classes = ["bar", c.effects, c.leaf ? "leaf" : "composite", c.status];
  if (c.speculation === "wasted") classes.push("wasted");
  if (c.speculation === "claimed") classes.push("claimed");
  if (c.critical && childless) classes.push("critical");
  const duration = c.endMs - c.startMs;
  const tokens = c.promptTokens + c.completionTokens;
  const detail = [
    callLabel(c),
    `effects ${c.effects} · ${c.leaf ? "leaf" : "composite"} · ${c.status}`,
    `start ${formatMs(c.startMs)} · end ${formatMs(c.endMs)} · took ${formatMs(duration)}`,
    `queue wait ${formatMs(c.waitMs)}`,
    `bound schedule ${formatMs(c.boundStartMs)} → ${formatMs(c.boundEndMs)}`,
    c.model ? `model ${c.model} · ${c.requests} request(s)` : "",
    tokens > 0
      ? `tokens ${c.promptTokens} in · ${c.completionTokens} out · ${formatUsd(c.costUsd)}`
      : "",
    c.speculation ? `started early by the JIT: ${c.speculation}` : "",
    c.error ? `error ${c.error.name}: ${c.error.message}` : "",
  ]
    .filter((line) => line !== "")
    .join("\n");
  const wait =
    c.waitMs > 0
      ? `<div class="wait" style="left:${percent(c.startMs - c.waitMs, span)};width:${percent(c.waitMs, span)}"></div>`
      : "";
  const bar = `<div class="${classes.join(" ")}" data-call-id="${c.id}" data-start-ms="${c.startMs}" data-end-ms="${c.endMs}" data-wait-ms="${c.waitMs}" style="left:${percent(c.startMs, span)};width:${percent(duration, span)}" title="${h(callLabel(c))}"></div>`;
  return [
    `<div class="row" data-call-id="${c.id}" data-depth="${depth}" data-search="${h(`${c.name} ${c.path}`)}" data-detail="${h(detail)}">`,
    `<div class="label" style="padding-left:${depth * 14}px" title="${h(callLabel(c))}">${h(c.name)}`,
    c.path !== c.name ? ` <span class="path">(${h(c.path)})</span>` : "",
    "</div>",
    `<div class="track">${wait}${bar}</div>`,
    `<div class="cells"><span>${formatMs(duration)}</span><span>${tokens > 0 ? formatCount(tokens) : ""}</span><span>${c.costUsd > 0 ? formatUsd(c.costUsd) : ""}</span></div>`,
    "</div>",
  ].join("");
}

function treeNode(calls: readonly RecordedCall[], tree: Tree, i: number): string {
  const c = calls[i]!;
  const status =
    c.status === "error" ? ` <span class="status-error">${h(c.error?.name ?? "error")}</span>` : "";
  const spec = c.speculation ? ` · early start ${c.speculation}` : "";
  const usage =
    tree.tokens[i]! > 0
      ? ` · ${formatCount(tree.tokens[i]!)} tokens · ${formatUsd(tree.cost[i]!)}`
      : "";
  const line = `<b>${h(c.name)}</b> <span class="meta">${h(c.path)} · ${c.effects} · ${formatMs(c.endMs - c.startMs)}${usage}${spec}</span>${status}`;
  const kids = tree.children[i]!;
  if (kids.length === 0) return `<div class="leafnode" data-call-id="${c.id}">${line}</div>`;
  const inner = kids.map((k) => treeNode(calls, tree, k)).join("");
  return `<details open data-call-id="${c.id}"><summary>${line}</summary>${inner}</details>`;
}

function speculations(record: RunRecord): string {
  if (record.speculations.length === 0) {
    return '<h2>Early starts</h2><p class="empty">The JIT started no call early in this run.</p>';
  }
  const rows = record.speculations.map(
    (s) =>
      `<tr class="spec-${s.outcome}"><td>${h(s.name)} <span class="meta">(${h(s.path)})</span></td><td>${h(s.site)}</td><td>${s.outcome}</td><td class="num">${formatMs(s.atMs)}</td><td class="num">${formatCount(s.promptTokens + s.completionTokens)}</td><td class="num">${formatUsd(s.costUsd)}</td></tr>`,
  );
  return [
    "<h2>Early starts</h2><table><thead><tr><th>call</th><th>site</th><th>outcome</th>",
    '<th>started</th><th>tokens</th><th>cost</th></tr></thead><tbody id="speculations">',
    rows.join(""),
    "</tbody></table>",
  ].join("");
}
