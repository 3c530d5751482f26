// The README's picture of the task pane: the page the manifest names, in the simulated Excel,
// after Validate was pressed in it and the first finding chosen.
//   CHROMIUM=/usr/bin/chromium node pane_picture.mjs BASE_URL BOOK.json OUT.png
import { readFileSync } from "node:fs";
import { launch, openAddin } from "./addin_page.mjs";

const [baseUrl, bookPath, out] = process.argv.slice(2);
const browser = await launch();
try {
  const addin = await openAddin(browser, baseUrl, JSON.parse(readFileSync(bookPath, "utf8")));
  const page = addin.page;
  await page.setViewportSize({ width: 340, height: 900 });
  await page.click("#kpi-pane-validate");
  await page.waitForSelector("#kpi-pane-findings .kpi-finding", { timeout: 120_000 });
  await page.click("#kpi-pane-findings li:nth-child(1) button");
  await page.waitForFunction(() => globalThis.__sim.selected() !== null);
  await page.screenshot({ path: out, fullPage: true });
  const problems = [...(await addin.violations()), ...addin.errors];
  if (problems.length) throw new Error(problems.join("; "));
} finally {
  await browser.close();
}
