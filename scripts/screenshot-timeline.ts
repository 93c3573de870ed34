/**
 * Renders docs/timeline.png, the README's picture of a timeline: runs `npm start`'s quickstart
 * (which writes quickstart-timeline.html), opens that file in headless Chromium and captures
 * the summary and the Gantt.
 *
 *   npx tsx scripts/screenshot-timeline.ts [timeline.html] [out.png]
 *
 * With a timeline given, the quickstart is not run. Needs Debian's chromium at
 * /usr/bin/chromium (apt-get install -y chromium); playwright never downloads a browser here.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const given = process.argv[2];
const out = resolve(process.argv[3] ?? join(root, "docs", "timeline.png"));
/** The summary and the whole Gantt of the quickstart; the call tree below is left out. */
const MAX_HEIGHT = 2600;
const WIDTH = 1400;

if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  process.exit(1);
}

let timeline = given ? resolve(given) : join(root, "quickstart-timeline.html");
if (!given) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "examples/quickstart.ts"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (run.status !== 0) {
    console.error(`the quickstart failed (exit ${run.status})`);
    process.exit(1);
  }
  timeline = join(root, "quickstart-timeline.html");
}

const browser = await chromium.launch({
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
try {
  const page = await browser.newPage({ viewport: { width: WIDTH, height: 900 } });
  await page.goto(pathToFileURL(timeline).href, { waitUntil: "load" });
  const gantt = await page.locator("#gantt").boundingBox();
  const height = Math.min(MAX_HEIGHT, Math.ceil((gantt?.y ?? 0) + (gantt?.height ?? 900)));
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: WIDTH, height } });
  console.log(`wrote ${out} from ${timeline}`);
} finally {
  await browser.close();
}
