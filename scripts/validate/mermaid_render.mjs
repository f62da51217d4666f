// Parses and renders every ```mermaid block of the given Markdown files with the real
// mermaid package inside Chromium (driven by playwright-core), all in one browser session.
//
// Usage: node mermaid_render.mjs FILE.md...
// Env: AMLPE_NODE_MODULES (where playwright-core is installed), MERMAID_DIST (mermaid.min.js),
//      CHROMIUM (browser binary), AMLPE_MERMAID_PNG (optional: screenshot of the first rendered
//      diagram of the first file that has diagrams).

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

const NAME = "mermaid";
const require = createRequire(process.env.AMLPE_NODE_MODULES + "/");
const { chromium } = require("playwright-core");

const OPEN_FENCE = /^ {0,3}(`{3,}|~{3,})\s*mermaid\s*$/;

function mermaidBlocks(file) {
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = OPEN_FENCE.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const body = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j].trim().startsWith(fence) && lines[j].trim().replace(/[`~]/g, "") === "")) {
      body.push(lines[j]);
      j++;
    }
    blocks.push({ file, line: i + 1, code: body.join("\n"), closed: j < lines.length });
    i = j;
  }
  return blocks;
}

// Runs inside the page: parse, render, attach, measure. Returns an error string or null.
async function renderInPage({ id, code }) {
  const looksLikeError = (svg) =>
    /aria-roledescription="error"|class="error-icon"|Syntax error in text/.test(svg);
  try {
    await window.mermaid.parse(code);
  } catch (err) {
    return `parse: ${String(err && err.message ? err.message : err).split("\n").slice(0, 3).join(" ")}`;
  }
  let svg;
  try {
    ({ svg } = await window.mermaid.render(id, code));
  } catch (err) {
    return `render: ${String(err && err.message ? err.message : err).split("\n")[0]}`;
  }
  if (!svg || looksLikeError(svg)) return "render: mermaid produced an error diagram";
  const holder = document.createElement("div");
  holder.className = "diagram";
  holder.id = `holder-${id}`;
  holder.innerHTML = svg;
  document.body.appendChild(holder);
  const box = holder.querySelector("svg").getBBox();
  if (!(box.width > 0 && box.height > 0)) return "render: empty drawing";
  return null;
}

async function main(files) {
  const blocks = files.flatMap(mermaidBlocks);
  const failures = [];
  for (const b of blocks.filter((b) => !b.closed)) {
    failures.push(`${b.file}:${b.line}: unclosed mermaid fence`);
  }
  const userDataDir = mkdtempSync(join(tmpdir(), "amlpe-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      timeout: 60000,
    });
    const page = context.pages()[0] || (await context.newPage());
    await page.route("**/*", (route) => route.abort());
    await page.setContent("<!doctype html><html><head><meta charset='utf-8'></head><body style='background:#fff;margin:0'></body></html>");
    await page.addScriptTag({ path: process.env.MERMAID_DIST });
    await page.evaluate(() => window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" }));
    let png = process.env.AMLPE_MERMAID_PNG || "";
    const pngSource = blocks.length ? blocks[0].file : files[0];
    for (const [index, block] of blocks.entries()) {
      if (!block.closed) continue;
      const error = await page.evaluate(renderInPage, { id: `d${index}`, code: block.code });
      if (error) {
        failures.push(`${block.file}:${block.line}: ${error}`);
      } else if (png && block.file === pngSource) {
        await page.locator(`#holder-d${index} svg`).screenshot({ path: png });
        console.error(`mermaid: wrote ${png}`);
        png = "";
      }
    }
    if (png) failures.push(`AMLPE_MERMAID_PNG: no rendered diagram in ${pngSource}`);
  } finally {
    if (context) await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  const failedFiles = new Set(failures.map((f) => f.split(":")[0]));
  for (const f of failures) console.log(f);
  console.log(`${NAME}: ${files.length} files checked, ${failedFiles.size} failures (${blocks.length} diagrams)`);
  return failures.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.log(`${NAME}: crashed: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
