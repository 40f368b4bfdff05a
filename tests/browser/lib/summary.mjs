// The results as an HTML page rendered by the same Chromium, and its screenshot
// (out/summary.png, and --screenshot PATH, e.g. docs/browser-summary.png for the README).
// Ports change every run and are masked, so an unchanged result gives an unchanged page.

import fs from 'node:fs';
import path from 'node:path';

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const maskPorts = (s) => String(s).replace(/(127\.0\.0\.1|localhost|\.test):\d+/g, '$1:PORT');

export function summaryHtml({ results, version, total }) {
  const passed = results.filter((r) => r.pass).length;
  const rows = results.map((r) => `<tr class="${r.pass ? 'pass' : 'fail'}">
    <td class="res">${r.pass ? 'PASS' : 'FAIL'}</td><td>${esc(r.group)}</td>
    <td><b>${esc(r.id)}</b><br>${esc(maskPorts(r.title))}</td>
    <td>${esc(r.expect)}</td><td>${esc(maskPorts(r.saw))}</td></tr>`).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>edge-shield browser tests</title><style>
  body { font: 13px/1.35 sans-serif; margin: 16px; color: #111; }
  h1 { font-size: 18px; margin: 0 0 4px; } p { margin: 0 0 12px; color: #444; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; text-align: left; }
  th { background: #eee; } td.res { font-weight: bold; }
  tr.pass td.res { background: #c8ecc8; color: #0a4f0a; } tr.fail td.res { background: #f6c9c9; color: #7a0b0b; }
  td:nth-child(4), td:nth-child(5) { width: 32%; word-break: break-word; }
  </style></head><body>
  <h1>edge-shield in headless Chromium ${esc(version)}: ${passed} passed, ${results.length - passed} failed</h1>
  <p>Each row: what docs/configuration.md and the Fetch standard expect, and what the browser itself did
  (fetch resolved or rejected, headers readable by JavaScript, scripts run, frames rendered, cookies sent).
  ${results.length < total ? `Subset: ${results.length} of ${total} cases.` : ''}</p>
  <table><tr><th></th><th>group</th><th>case</th><th>expected</th><th>browser</th></tr>
  ${rows}</table></body></html>`;
}

export async function renderSummary({ browser, results, out, extra, total }) {
  const html = summaryHtml({ results, version: browser.version(), total });
  fs.writeFileSync(path.join(out, 'summary.html'), html);
  const page = await browser.newPage({ viewport: { width: 1400, height: 600 } });
  try {
    await page.setContent(html, { waitUntil: 'load' });
    const png = await page.screenshot({ fullPage: true });
    fs.writeFileSync(path.join(out, 'summary.png'), png);
    if (extra) {
      fs.mkdirSync(path.dirname(path.resolve(extra)), { recursive: true });
      fs.writeFileSync(path.resolve(extra), png);
      console.log(`summary screenshot: ${path.resolve(extra)}`);
    }
  } finally {
    await page.close();
  }
}
