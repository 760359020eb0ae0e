// Opens a report page in Debian's chromium (headless) and prints, as JSON,
// what the tests check: console errors, network requests, the marked
// failed bars, the test ids on the page, and how long it took to load.
// Usage: node check_page.mjs PAGE.html [SCREENSHOT.png]
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [page_path, screenshot] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "mtv-report-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  chromiumSandbox: false,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  const console_errors = [];
  const requests = [];
  page.on("console", (m) => { if (m.type() === "error") console_errors.push(m.text()); });
  page.on("pageerror", (e) => console_errors.push(String(e)));
  page.on("request", (r) => { if (!r.url().startsWith("file:")) requests.push(r.url()); });
  const url = pathToFileURL(resolve(page_path)).href;
  const started = performance.now();
  await page.goto(url, { waitUntil: "load" });
  // Layout and paint of the whole page, not just the parse.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const load_ms = performance.now() - started;
  const facts = await page.evaluate(() => ({
    text: document.body.innerText,
    tests: [...document.querySelectorAll("section[data-test]")].map((s) => ({
      id: s.dataset.test,
      failed_bars: [...s.querySelectorAll("[data-failed] title")].map((t) => t.textContent),
      timelines: [...s.querySelectorAll("svg.timeline")].map((t) => t.getAttribute("aria-label")),
    })),
    csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? null,
    scripts: document.querySelectorAll("script").length,
  }));
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ load_ms, console_errors, requests, ...facts }));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
