// Runs scenarios against the add-in's page and prints one JSON document on stdout:
//   CHROMIUM=/usr/bin/chromium node drive_addin.mjs SCENARIO.json
// SCENARIO: {"baseUrl": "http://127.0.0.1:PORT", "books": [{"book": {...}, "steps": [STEP...]}]}
// STEP: {"click": "kpi-refresh-statuses"} | {"edit": [sheet, row, column, value]}
//     | {"call": "STATUS", "args": [...]} | {"dump": true | ["values", "colours", ...]}
//     | {"eval": "JS statements"}   (run in the page as an async function body; its return value)
//     | {"press": [selector, key]}   (focus that element, then press the key as a person would)
// Output: {"books": [{"steps": [result...], "violations": [...], "errors": [...]}]}, one result
// per step: a click's {syncs, syncsAfterAnswer, answers, alerts}, a call's {value}|{error}, a
// dump's workbook (excel_sim.js), an edit's {}.
import { readFileSync } from "node:fs";
import { launch, openAddin } from "./addin_page.mjs";

const scenario = JSON.parse(readFileSync(process.argv[2], "utf8"));
const browser = await launch();
const out = { books: [] };
try {
  for (const { book, steps } of scenario.books) {
    const addin = await openAddin(browser, scenario.baseUrl, book);
    const results = [];
    for (const step of steps) {
      if (step.click) results.push(await addin.click(step.click));
      else if (step.edit) results.push((await addin.edit(...step.edit)) || {});
      else if (step.call) results.push(await addin.call(step.call, ...(step.args || [])));
      else if (step.dump) results.push(await addin.dump(Array.isArray(step.dump) ? step.dump : null));
      else if (step.eval) results.push(await addin.page.evaluate(`(async () => { ${step.eval} })()`));
      else if (step.press) {
        await addin.page.focus(step.press[0]);
        await addin.page.keyboard.press(step.press[1]);
        results.push({});
      }
      else throw new Error(`unknown step ${JSON.stringify(step)}`);
    }
    out.books.push({ steps: results, violations: await addin.violations(), errors: addin.errors });
    await addin.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
