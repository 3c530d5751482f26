// Opens a committee pack (.html) in headless chromium, keeps a full-page screenshot, runs axe-core
// and reports what a reader would meet, as one JSON list on stdout (one document per pack):
//   CHROMIUM=/usr/bin/chromium node check_pack.mjs PACK.html SCREENSHOT.png [PACK2.html SHOT2.png ...]
// The browser is the system's (playwright's own downloads are not used); one launch for all.
import { chromium } from "playwright-core";
import { AxeBuilder } from "@axe-core/playwright";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const pairs = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "kpi-pack-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const reports = [];
try {
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    reports.push(await check(pairs[i], pairs[i + 1]));
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(reports));

async function check(pack, screenshot) {
  const page = await context.newPage();
  const requests = [];
  page.on("request", (request) => { if (!request.url().startsWith("data:")) requests.push(request.url()); });
  await page.goto(pathToFileURL(pack).href, { waitUntil: "load" });
  await page.screenshot({ path: screenshot, fullPage: true });
  const axe = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  const seen = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    title: document.title,
    headings: [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(
      (h) => [Number(h.tagName[1]), h.textContent.trim()]),
    statusCells: [...document.querySelectorAll("table.indicators tbody tr")].map((row) => {
      const cell = row.querySelector("td.status");
      const style = getComputedStyle(cell);
      return { status: row.dataset.status, text: cell.textContent.trim(),
               background: style.backgroundColor, color: style.color };
    }),
    tablesWithoutHeaders: [...document.querySelectorAll("table")].filter(
      (t) => !t.querySelector("thead th[scope=col]")).length,
    images: [...document.querySelectorAll("img")].map((img) => ({
      alt: img.alt, loaded: img.complete && img.naturalWidth > 0 })),
    exceptions: [...document.querySelectorAll("article.exception")].map((a) => ({
      heading: a.querySelector("h3, h4").textContent.trim(),
      commentary: a.querySelector(".commentary").textContent.trim() })),
    scripts: document.querySelectorAll("script").length,
  }));
  const violations = axe.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                                 nodes: v.nodes.length }));
  await page.close();
  return { pack, ...seen, violations, passes: axe.passes.length, requests };
}
