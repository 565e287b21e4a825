// SPDX-License-Identifier: EUPL-1.2
// dashboards.mjs BASE ARTIFACTS CHROMIUM PROFILE - loads each page type of the
// generated dashboards, asserts on visible content, fails on console errors,
// failed requests and requests to any other origin, saves a screenshot per
// page, and runs axe-core (WCAG 2.1 A/AA rules), failing on serious or
// critical violations.
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = require.resolve('axe-core/axe.min.js');
const [base, art, executablePath, profile] = process.argv.slice(2);
const origin = new URL(base).origin;

const germanPct = /\d{1,3},\d{2}\s%/;
const germanDate = /\d{2}\.\d{2}\.\d{4}/;
// Each page type, with text that must be visible (a known Gemeinde's name and an uptime figure
// the German way) and, for the new sections, their headings and rows.
const pages = [
  { name: 'land', path: '/index.html', texts: ['Thüringen: Umsetzungsstand und Verfügbarkeit', 'Erfurt, Stadt', '© GeoBasis-DE / BKG 2021 (Daten verändert)'], pattern: germanPct, sort: true, map: { links: 631, click: '../gemeinde/16051000.html', lands: '/gemeinde/16051000.html' } },
  { name: 'kreis', path: '/kreis/16066.html', texts: ['Kreis: Schmalkalden-Meiningen', 'Einhausen', 'Zertifikat', 'Ausfallzeit', 'Letzte Störungen', 'Leistungen für dieses Gebiet'], map: { links: 0 } },
  { name: 'gemeinde', path: '/gemeinde/16066017.html', texts: ['Gemeinde: Einhausen', 'Elterngeld', 'Einhausen sicher', 'Zertifikat', 'Letzte Störungen', 'Leistungen für dieses Gebiet'], pattern: germanPct, pattern2: /\d{2}\.\d{2}\.\d{4} \(\d+ Tage\)/ },
  { name: 'gemeinde-erfurt', path: '/gemeinde/16051000.html', texts: ['Gemeinde: Erfurt, Stadt'], pattern: germanPct },
  { name: 'dienst', path: '/dienst/k16051-kfz.html', texts: ['Onlinedienst: Kfz-Zulassung', 'Angeschlossene Gebiete', 'Antwortzeit nach Phasen', 'Namensauflösung (DNS)', 'bis zum ersten Byte', 'Nutzung'], pattern: germanPct },
  { name: 'dienst-efa', path: '/dienst/th-elterngeld.html', texts: ['Onlinedienst: Elterngeld', 'Nutzung', 'Eingereichte Anträge'], pattern: germanPct },
  { name: 'dienste', path: '/dienste.html', texts: ['Alle Onlinedienste', 'Seite 2'] },
  { name: 'dienste-2', path: '/dienste-2.html', texts: ['Alle Onlinedienste (Seite 2/5)'] },
  { name: 'leistung', path: '/leistung/10000.html', texts: ['Leistung: ', 'Angebote', 'Nach Kreisen', 'Elterngeld', 'Nachnutzung (Einer für Alle)', '© GeoBasis-DE / BKG 2021 (Daten verändert)'], map: { links: 631 } },
  { name: 'katalog', path: '/leistungen.html', texts: ['Katalog der OZG-Leistungen', 'Themenfelder', 'Lebenslagen', 'Höchster Reifegrad'], search: '10124' },
  { name: 'katalog-filter', path: '/katalog/reifegrad-4.html', texts: ['Katalog der OZG-Leistungen: Reifegrad 4'] },
  { name: 'status', path: '/status.html', texts: ['Status der Onlinedienste', 'Störungsverlauf', 'Beginn', 'Ende', 'Dauer', 'Ursache', 'Störungen je Onlinedienst'], pattern2: germanDate },
];

// The document an <object> embeds, found among the page's frames by its address.
async function mapFrame(page, data) {
  const want = new URL(data, page.url()).href;
  for (let i = 0; i < 100; i++) {
    const f = page.frames().find((fr) => fr.url() === want);
    if (f) { await f.waitForLoadState('load').catch(() => {}); return f; }
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

const failures = [];
const fail = (page, what) => { failures.push(`${page}: ${what}`); console.log(`  FAIL e2e ${page}: ${what}`); };

const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  bypassCSP: true, // lets axe-core be injected; the pages' own CSP is tested by their loading without errors
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // No name is ever looked up: the pages are served from an address, and the
    // browser's own background hosts must not reach a resolver off the machine.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', '--dns-prefetch-disable',
    '--disable-domain-reliability', '--disable-client-side-phishing-detection', '--no-pings',
    '--disable-features=DnsOverHttps,OptimizationHints,MediaRouter,Translate'],
});
try {
  // E2E_ONLY=land,katalog runs only those page types (while working on them).
  const only = process.env.E2E_ONLY ? process.env.E2E_ONLY.split(',') : null;
  for (const p of pages.filter((q) => !only || only.includes(q.name))) {
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('request', (r) => { if (new URL(r.url()).origin !== origin) problems.push(`request to another origin: ${r.url()}`); });
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });

    const resp = await page.goto(base + p.path, { waitUntil: 'load', timeout: 60000 });
    if (!resp || resp.status() !== 200) fail(p.name, `status ${resp && resp.status()}`);
    // Lazy images: scroll through so they load too, then settle.
    await page.evaluate(async () => {
      for (let y = 0; y < document.body.scrollHeight; y += 800) { window.scrollTo(0, y); await new Promise((r) => setTimeout(r, 100)); }
      window.scrollTo(0, 0);
    });
    await page.waitForLoadState('networkidle', { timeout: 30000 }).catch(() => {});
    const text = await page.locator('main').innerText();
    for (const t of p.texts) if (!text.includes(t)) fail(p.name, `visible text lacks "${t}"`);
    if (p.pattern && !p.pattern.test(text)) fail(p.name, `no figure like ${p.pattern}`);
    if (p.pattern2 && !p.pattern2.test(text)) fail(p.name, `no text like ${p.pattern2}`);
    // Every graph on the page has loaded (an SVG with a size) and has a text alternative.
    for (const img of await page.locator('main img').all()) {
      const ok = await img.evaluate((e) => e.complete && e.naturalWidth > 0);
      const alt = await img.getAttribute('alt');
      if (!ok) fail(p.name, `image not loaded: ${await img.getAttribute('src')}`);
      if (!alt) fail(p.name, `image without alt text: ${await img.getAttribute('src')}`);
    }
    if (await page.locator('html[lang="de"]').count() !== 1) fail(p.name, 'html lang is not "de"');
    // A map: the embedded SVG loaded, each Gemeinde a link with a title, the attribution beside it.
    if (p.map) {
      const obj = page.locator('main object[type="image/svg+xml"]').first();
      const frame = await mapFrame(page, await obj.getAttribute('data'));
      if (!frame) fail(p.name, 'the map did not load');
      else {
        const links = await frame.locator('a[href*="gemeinde/"]').count();
        const titled = await frame.locator('a[href*="gemeinde/"] > title').count();
        if (p.map.links ? links !== p.map.links : links === 0) fail(p.name, `the map links ${links} Gemeinden`);
        if (titled !== links) fail(p.name, `${links - titled} map areas without a title`);
        if (!(await frame.locator('svg').first().textContent()).includes('© GeoBasis-DE / BKG 2021')) fail(p.name, 'the map lacks the attribution');
      }
      if (!(await obj.getAttribute('aria-label'))) fail(p.name, 'the map object has no aria-label');
    }
    // The catalogue's search field (katalog.js) narrows the rows.
    if (p.search) {
      const rows = await page.locator('#katalog tbody tr').count();
      await page.locator('#katalog-suche').fill(p.search);
      const shown = await page.locator('#katalog tbody tr:not([hidden])').count();
      if (!(shown >= 1 && shown < rows)) fail(p.name, `searching "${p.search}" shows ${shown} of ${rows} rows`);
      await page.locator('#katalog-suche').fill('');
    }
    if (p.sort) {
      const th = page.locator('#kreise ~ div table.sortable thead th').nth(1);
      await th.locator('button').click();
      if (await th.getAttribute('aria-sort') !== 'ascending') fail(p.name, 'sorting the Kreise by a column does not work');
    }
    await page.screenshot({ path: path.join(art, `${p.name}.png`), fullPage: !p.name.startsWith('dienste') });

    await page.addScriptTag({ path: axeSource });
    const result = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, first: v.nodes[0] && v.nodes[0].target.join(' ') }));
    });
    for (const v of result) {
      const line = `axe ${v.impact}: ${v.id} (${v.help}) on ${v.nodes} node(s), e.g. ${v.first}`;
      if (v.impact === 'serious' || v.impact === 'critical') fail(p.name, line);
      else console.log(`  note e2e ${p.name}: ${line}`);
    }
    // Following a Gemeinde in the map opens its page in the whole window.
    if (p.map && p.map.click) {
      const frame = await mapFrame(page, await page.locator('main object').first().getAttribute('data'));
      if (frame) await Promise.all([page.waitForURL('**' + p.map.lands, { timeout: 30000 }).catch(() => {}),
        frame.locator(`a[href="${p.map.click}"] path`).first().click({ timeout: 30000 })]);
      if (!page.url().endsWith(p.map.lands)) fail(p.name, `clicking the map's Erfurt led to ${page.url()}`);
    }
    for (const pr of problems) fail(p.name, pr);
    if (!failures.some((f) => f.startsWith(`${p.name}:`))) console.log(`  ok   e2e ${p.name} (${p.path}), axe: ${result.length} minor finding(s)`);
    await page.close();
  }
  // A badge loads as SVG and carries its accessible title.
  const badge = await context.request.get(`${base}/badge/k16051-kfz-status.svg`);
  const body = await badge.text();
  if (badge.status() !== 200 || !badge.headers()['content-type'].startsWith('image/svg+xml') || !/<title id="t">[^<]+<\/title>/.test(body)) fail('badge', 'status badge missing or without title');
  else console.log('  ok   e2e badge');
  // The pages' own Content-Security-Policy lets the Land page embed its map (the loop above bypasses it for axe).
  const strict = await chromium.launch({ executablePath, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'] });
  try {
    const page = await strict.newPage();
    const csp = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) csp.push(m.text()); });
    await page.goto(`${base}/index.html`, { waitUntil: 'load', timeout: 60000 });
    const frame = await mapFrame(page, 'map/land.svg');
    const links = frame ? await frame.locator('a[href*="gemeinde/"]').count() : 0;
    if (links !== 631 || csp.length) fail('csp', `with the CSP in force the Land map shows ${links} links; ${csp.join('; ')}`);
    else console.log('  ok   e2e the Land map loads under the pages\' CSP');
  } finally {
    await strict.close();
  }
} finally {
  await context.close();
}
console.log(`  e2e: ${failures.length ? failures.length + ' failure(s)' : 'all pages passed'}; screenshots in ${art}`);
process.exit(failures.length ? 1 : 0);
