// The KPI add-in's page in headless chromium, against the strict Excel simulation (excel_sim.js).
//
// Reusable API (import from another driver in this folder):
//   const browser = await launch();                      // Debian's chromium ($CHROMIUM)
//   const addin = await openAddin(browser, baseUrl, book);
//       Reads BASE/manifest.xml, opens the page it names (Taskpane.Url) with xlwings Server's
//       served JS unmodified; only office.js is replaced, by office-addin-mock + excel_sim.js.
//       `book` is {name, sheets: [{name, values, numberFormats?}]} (see excel_sim.js).
//   addin.manifest                                        // {page, buttons: [FunctionName...]}
//   await addin.click("kpi-refresh-statuses")            // a ribbon button, as Excel runs it:
//       -> {syncs, syncsAfterAnswer, answers, alerts}     //    the handler with an event whose
//                                                         //    completed() ends the click
//   await addin.call("STATUS", [[...]], null, ...)       // a custom function as Excel calls it:
//       -> {value} or {error: {code, message}}            //    2-D args, null for an omitted one
//   await addin.dump(parts?)                              // the workbook (excel_sim.js sim.dump)
//   await addin.edit(sheet, row, column, value)           // an officer types into a cell
//   await addin.violations()                              // strict-mode failures (keep empty)
//   addin.page                                            // the playwright Page
//   await browser.close()
// A page error or console error is kept in addin.errors.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

// office-addin-mock is CommonJS for node; its only outside import is office-addin-manifest's
// OfficeApp enum (lib/officeApp.js, no imports of its own). Both run in the page unmodified
// inside a tiny module loader.
function officeMockBundle() {
  const mockLib = dirname(require.resolve("office-addin-mock"));
  const manifestLib = join(dirname(require.resolve("office-addin-manifest/package.json")), "lib");
  const modules = {
    "office-addin-manifest": join(manifestLib, "officeApp.js"),
    "./host": join(mockLib, "host.js"),
    "./possibleErrors": join(mockLib, "possibleErrors.js"),
    "./officeMockObject": join(mockLib, "officeMockObject.js"),
    main: join(mockLib, "main.js"),
  };
  const bodies = Object.entries(modules).map(([name, path]) =>
    `${JSON.stringify(name)}: function (module, exports, require) {\n${readFileSync(path, "utf8")}\n}`);
  return `(function () {
  const factories = {${bodies.join(",\n")}};
  const cache = {};
  function load(name) {
    if (!(name in factories)) throw new Error("office-addin-mock bundle: no module " + name);
    if (!cache[name]) {
      const module = { exports: {} };
      cache[name] = module;
      factories[name](module, module.exports, load);
    }
    return cache[name].exports;
  }
  globalThis.OfficeAddinMock = load("main");
})();\n`;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

async function readManifest(baseUrl) {
  const response = await fetch(`${baseUrl}/manifest.xml`);
  if (!response.ok) throw new Error(`manifest.xml: HTTP ${response.status}`);
  const xml = await response.text();
  const page = /<bt:Url id="Taskpane.Url" DefaultValue="([^"]+)"/.exec(xml);
  if (!page) throw new Error("manifest.xml names no Taskpane.Url");
  const buttons = [...xml.matchAll(/<FunctionName>([^<]+)<\/FunctionName>/g)].map((m) => m[1]);
  return { page: page[1], buttons };
}

export async function openAddin(browser, baseUrl, book) {
  const manifest = await readManifest(baseUrl);
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text().split("\n")[0]}`);
  });
  const office = officeMockBundle() + readFileSync(join(here, "excel_sim.js"), "utf8");
  await page.route(/office(\.debug)?\.js(\?.*)?$/, (route) =>
    route.fulfill({ status: 200, contentType: "text/javascript", body: office }));
  // The manifest's host is the server's own (XLWINGS_HOSTNAME unset): the page is loaded there.
  await page.goto(manifest.page, { waitUntil: "load" });
  await page.waitForFunction(
    (ids) => ids.every((id) => typeof globalThis.__sim?.actions[id] === "function"),
    manifest.buttons, { timeout: 30_000 });
  await page.evaluate((spec) => globalThis.__sim.loadBook(spec), book);
  return {
    page, manifest, errors,
    click: (id) => click(page, id),
    call: (name, ...args) => callFunction(page, name, args),
    dump: (parts) => page.evaluate((wanted) => globalThis.__sim.dump(wanted || undefined), parts || null),
    edit: (sheet, row, column, value) =>
      page.evaluate(([s, r, c, v]) => globalThis.__sim.setCell(s, r, c, v), [sheet, row, column, value]),
    violations: () => page.evaluate(() => globalThis.__sim.violations.slice()),
    close: () => context.close(),
  };
}

async function click(page, id) {
  return page.evaluate(async (actionId) => {
    const sim = globalThis.__sim;
    const before = { syncs: sim.syncs, answers: sim.answers.length, alerts: sim.alerts.length };
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${actionId}: event.completed() never called`)), 120_000);
      const event = { completed: () => { clearTimeout(timer); resolve(); } };
      Promise.resolve(sim.actions[actionId](event)).catch((error) => { clearTimeout(timer); reject(error); });
    });
    // The alert's dialog is opened without being awaited by the client: let it land.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const answers = sim.answers.slice(before.answers);
    const answered = answers.length ? answers[answers.length - 1].syncsBefore : null;
    return {
      syncs: sim.syncs - before.syncs,
      syncsAfterAnswer: answered === null ? null : sim.syncs - answered,
      answers: answers.map((a) => a.status),
      alerts: sim.alerts.slice(before.alerts),
    };
  }, id);
}

async function callFunction(page, name, args) {
  return page.evaluate(async ([fname, fargs]) => {
    const fn = globalThis.__sim.functions[fname];
    if (typeof fn !== "function") return { error: { code: "missing", message: `no function ${fname}` } };
    // Excel passes an invocation object last (address, setResult for streaming functions).
    const invocation = { address: "Sheet1!A1", functionName: fname, parameterAddresses: [] };
    try {
      return { value: await fn(...fargs, invocation) };
    } catch (error) {
      return { error: { code: error.code || null, message: String(error.message || error) } };
    }
  }, [name, args]);
}
