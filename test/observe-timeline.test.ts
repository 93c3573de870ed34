import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import {
  configure,
  MapOperator,
  ParallelOperator,
  type RunRecord,
  RunRecorder,
  renderTimeline,
  SequenceOperator,
  withObserver,
  writeTimeline,
} from "../src/index.js";
import { FailingLeaf, FakeLeaf, Probe } from "./fakes.js";
import { Speculating } from "./observe-fakes.js";

const CHROMIUM = "/usr/bin/chromium";
const EVIL = "<img src=x onerror=alert(1)>";

/** A run with everything the page shows: nesting, a queue wait, early starts, a failure. */
async function sampleRun(): Promise<RunRecord> {
  const probe = new Probe();
  const leaf = (name: string, delayMs: number) =>
    new FakeLeaf({ probe, name, delayMs, fn: () => ({ [name]: delayMs }) });
  const pipeline = new SequenceOperator({
    name: "pipe",
    operators: [
      new MapOperator({ name: EVIL, fn: (i: { q: string }) => ({ q: `${i.q}!` }) }),
      new ParallelOperator({ name: "fan", operators: [leaf("a", 3), leaf("b", 2), leaf("c", 2)] }),
      new Speculating(),
    ],
  });
  const recorder = new RunRecorder({ label: `label ${EVIL}` });
  configure({ maxConcurrency: 2 });
  try {
    await withObserver(recorder, async () => {
      await pipeline({ q: "x" });
      await new FailingLeaf(new Error(`failed: ${EVIL}`), 0, "boom")({}).catch(() => {});
    });
  } finally {
    configure({ maxConcurrency: 64 });
  }
  return recorder.finish();
}

test("timeline: every user string is escaped in the HTML source", async () => {
  const run = await sampleRun();
  const html = renderTimeline(run);
  assert.ok(!html.includes("<img"), "no raw img tag");
  assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;"));
  assert.ok(!/(src|href)=["']?(https?:)?\/\//i.test(html), "no external resource");
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

let browser: Browser | undefined;
let skip: string | false = false;
let dir = "";

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "ember-timeline-"));
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI_REQUIRE_CHROMIUM) {
      throw new Error(
        `CI_REQUIRE_CHROMIUM is set but ${CHROMIUM} is missing: apt-get install -y chromium`,
      );
    }
    skip = `${CHROMIUM} is missing (apt-get install -y chromium); set CI_REQUIRE_CHROMIUM=1 to make this a failure`;
    return;
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
});

after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the timeline file; collects requests, console errors, page errors and dialogs. */
async function open(run: RunRecord) {
  const path = writeTimeline(run, join(dir, `run-${Math.random().toString(36).slice(2)}.html`));
  const url = pathToFileURL(path).href;
  const page: Page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on("request", (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(url, { waitUntil: "load" });
  return { page, requests, problems };
}

test("timeline in Chromium: no network, no console error, one bar per call at its times", async (t) => {
  if (skip) return t.skip(skip);
  const run = await sampleRun();
  const { page, requests, problems } = await open(run);
  try {
    assert.deepEqual(requests, [], "the page loads nothing beyond itself");
    const spanMs = Number(await page.locator("#axis").getAttribute("data-span-ms"));
    assert.ok(spanMs >= run.wallMs);
    const bars = page.locator(".gantt .bar");
    assert.equal(await bars.count(), run.calls.length);
    for (const call of run.calls) {
      const bar = page.locator(`.gantt .bar[data-call-id="${call.id}"]`);
      assert.equal(await bar.count(), 1, `one bar for ${call.path}`);
      assert.equal(Number(await bar.getAttribute("data-start-ms")), call.startMs);
      assert.equal(Number(await bar.getAttribute("data-end-ms")), call.endMs);
      const style = (await bar.getAttribute("style")) ?? "";
      const left = Number(/left:([\d.]+)%/.exec(style)?.[1]);
      const width = Number(/width:([\d.]+)%/.exec(style)?.[1]);
      assert.ok(Math.abs(left - (call.startMs / spanMs) * 100) < 0.001, `${call.path} left`);
      assert.ok(
        Math.abs(width - ((call.endMs - call.startMs) / spanMs) * 100) < 0.001,
        `${call.path} width`,
      );
      // Laid out where its style says: the bar's box sits at that share of its track.
      const box = await bar.boundingBox();
      const track = await bar.locator("xpath=..").boundingBox();
      assert.ok(box && track);
      assert.ok(Math.abs(box.x - track.x - (left / 100) * track.width) < 1.5, `${call.path} x`);
    }
    const waits = run.calls.filter((c) => c.waitMs > 0);
    assert.ok(waits.length >= 1);
    assert.equal(await page.locator(".gantt .wait").count(), waits.length);
    assert.equal(await page.locator(".gantt .bar.wasted").count(), 1);
    assert.equal(await page.locator(".gantt .bar.claimed").count(), 1);
    assert.equal(await page.locator(".gantt .bar.error").count(), 1);
    assert.equal(await page.locator(".gantt .bar.critical").count(), run.criticalPath.length);
    assert.match((await page.locator("#bound").textContent()) ?? "", /ms · wall [\d.]+× bound/);
    assert.match(
      (await page.locator("#speculation").textContent()) ?? "",
      /1 wasted \(\$0\.030000\)/,
    );
    const specRows = page.locator("#speculations tr");
    assert.equal(await specRows.count(), 2);
    // Per node: tokens and cost in the tree and beside each bar.
    assert.match((await page.locator(".tree").textContent()) ?? "", /32 tokens · \$0\.030000/);
    await page.locator(".gantt .row", { hasText: "pipe/operators[0]" }).click();
    assert.match((await page.locator("#detail").textContent()) ?? "", /pure · leaf · ok/);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, []);
  } finally {
    await page.close();
  }
});

test("timeline in Chromium: a malicious operator name shows as text and runs nothing", async (t) => {
  if (skip) return t.skip(skip);
  const run = await sampleRun();
  const { page, problems } = await open(run);
  try {
    assert.equal(await page.locator("img").count(), 0);
    const row = page.locator(".gantt .row", { hasText: "pipe/operators[0]" });
    assert.equal(await row.locator(".label").textContent(), `${EVIL} (pipe/operators[0])`);
    assert.ok(((await page.title()) ?? "").includes(EVIL), "the label is text in the title");
    assert.ok(((await page.locator("h1").textContent()) ?? "").includes(EVIL));
    assert.ok(((await page.locator(".tree").textContent()) ?? "").includes(EVIL));
    await row.click();
    assert.ok(((await page.locator("#detail").textContent()) ?? "").includes(EVIL));
    await page.locator(".gantt .row", { hasText: "boom" }).click();
    assert.ok(((await page.locator("#detail").textContent()) ?? "").includes(`failed: ${EVIL}`));
    // Filtering by the name keeps its row and hides the rest.
    await page.locator("#filter").fill("onerror");
    assert.equal(await page.locator(".gantt .row[data-call-id]:visible").count(), 1);
    assert.equal(await page.locator("img").count(), 0);
    assert.deepEqual(problems, [], "no alert, no console error");
  } finally {
    await page.close();
  }
});

test("timeline: writeTimeline creates the directory and returns the absolute path", async () => {
  const run = await sampleRun();
  const path = writeTimeline(run, join(dir, "deep", "er", "t.html"));
  assert.ok(path.startsWith("/"));
  assert.ok(readFileSync(path, "utf8").startsWith("<!doctype html>"));
});
