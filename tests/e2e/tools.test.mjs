// The /tools pages of `hearth serve` driven by headless Chromium through
// playwright-core, as a user would: fill a form, submit, read the answer.
// Every figure a page shows is compared with what the real CLI prints for
// the same inputs (`hearth plan|fit|cost|tokens --json`): the server and the
// CLI build that JSON with the same functions, so on catalog hardware the
// numbers must be equal, not merely close. The memory chart must render
// (its SVG areas present, its screenshot not blank); the screenshot goes to
// $HEARTH_ARTIFACTS, or e2e-artifacts/ beside the hearth binary (build/).
//   CHROMIUM: the browser (default Debian's /usr/bin/chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { artifactsDir, launchChromium } from './browser.mjs';
import { startServer, binary, modelPath, tinyModelPath } from './server.mjs';

const artifacts = artifactsDir('e2e-artifacts');

let server;
let browser;
let scratch;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-tools-'));
  [server, browser] = await Promise.all([
    startServer(['--ctx', '2048']),
    launchChromium(),
  ]);
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

// `hearth ARGS` run to completion; its stdout parsed as JSON.
function cliJson(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`hearth ${args.join(' ')}: ${err}`))));
  });
}

// A fresh page at `pagePath`; records page errors and requests that leave the server.
async function openPage(pagePath) {
  const context = await browser.newContext({ viewport: { width: 1180, height: 900 } });
  context.setDefaultTimeout(30000);  // generous: CI machines may be loaded
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('400')) problems.push(`console: ${m.text()}`); });
  page.on('request', (r) => { if (!r.url().startsWith(`${server.url}/`)) problems.push(`request to another origin: ${r.url()}`); });
  await page.goto(server.url + pagePath);
  await page.waitForSelector('#tool-form[data-answered]');  // the page answered its defaults
  return { page, context, problems };
}

// Submits the form and waits for its next answer (or failure).
async function submit(page) {
  const count = (k) => page.$eval('#tool-form', (f, key) => Number(f.dataset[key] ?? 0), k);
  const [answered, failed] = [await count('answered'), await count('failed')];
  await page.click('#tool-form button[type=submit]');
  await page.waitForFunction(([a, f]) => {
    const d = document.getElementById('tool-form').dataset;
    return Number(d.answered ?? 0) > a || Number(d.failed ?? 0) > f;
  }, [answered, failed]);
}

// The exact value the page shows for figure `id` (its data-value).
async function figure(page, id) {
  const v = await page.getAttribute(`#${id}`, 'data-value');
  assert.notEqual(v, null, `figure ${id}`);
  if (v === 'true' || v === 'false') return v === 'true';
  return Number.isNaN(Number(v)) ? v : Number(v);
}

test('the tool pages are served, linked from /tools, with a same-origin policy', async () => {
  for (const p of ['/tools', '/tools/fit', '/tools/memory', '/tools/speed', '/tools/cost', '/tools/tokens',
    '/assets/tools.js', '/assets/memory_chart.js']) {
    const res = await fetch(server.url + p);
    assert.equal(res.status, 200, p);
    assert.match(res.headers.get('content-security-policy'), /default-src 'self'/, p);
  }
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}/tools`);
    const links = await page.$$eval('.tool-list a', (as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links, ['/tools/fit', '/tools/memory', '/tools/speed', '/tools/cost', '/tools/tokens']);
    assert.equal(await page.getAttribute('.nav a[href="/tools"]', 'aria-current'), 'page');
  } finally {
    await context.close();
  }
});

test('fit: the table equals `hearth fit --json`, row by row', async () => {
  const { page, context, problems } = await openPage('/tools/fit');
  try {
    await page.selectOption('select[name=hardware]', 'rtx4090');
    await page.fill('input[name=ctx]', '8192');
    await submit(page);
    const rows = await page.$$eval('#fit-table tbody tr', (trs) => trs.map((tr) => ({
      shape: tr.dataset.shape,
      type: tr.dataset.type,
      values: [...tr.querySelectorAll('td[data-value]')].map((td) => Number(td.dataset.value)),
    })));
    const cli = await cliJson(['fit', '--hardware', 'rtx4090', '--ctx', '8192', '--json']);
    assert.ok(cli.models.length > 10);
    assert.equal(rows.length, cli.models.length);
    cli.models.forEach((m, i) => {
      assert.deepEqual(rows[i], { shape: m.shape, type: m.type,
        values: [m.file_bytes, m.total_bytes, m.max_context, m.decode_tok_s, m.prefill_tok_s] }, `row ${i}`);
    });
    assert.equal(await figure(page, 'fit-summary'), cli.models.length);

    // An impossible request: the server's message, shown on the page.
    await page.selectOption('select[name=hardware]', 'm4-max');
    await page.fill('input[name=gpus]', '2');
    await submit(page);
    assert.match(await page.textContent('#notice'), /--gpus applies to GPU hardware/);
    assert.equal(await page.getAttribute('#notice', 'class'), 'notice error');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('memory: the figures equal `hearth plan --json` and the chart renders', async () => {
  const { page, context, problems } = await openPage('/tools/memory');
  try {
    await page.selectOption('select[name=source]', 'shape:llama3.2-1b');
    await page.selectOption('select[name=type]', 'Q8_0');
    await page.selectOption('select[name=hardware]', 'rtx3060');
    await page.fill('input[name=ctx]', '8192');
    await page.selectOption('select[name=kv_type]', 'q8_0');
    await submit(page);
    const cli = await cliJson(['plan', '--shape', 'llama3.2-1b', '--type', 'Q8_0', '--hardware', 'rtx3060',
      '--ctx', '8192', '--kv-type', 'q8_0', '--json']);
    for (const key of ['weights_bytes', 'kv_bytes', 'buffers_bytes', 'overhead_bytes', 'total_bytes', 'fits', 'max_context']) {
      assert.equal(await figure(page, key), cli[key], key);
    }
    assert.equal(await page.textContent('#serve-command'), cli.serve_command);

    // The chart: four stacked areas over contexts 256 .. 128K, the 12 GB line above them.
    await page.waitForSelector('#chart svg path[data-layer=overhead_bytes]');
    const chart = await page.$eval('#chart svg', (svg) => ({
      layers: [...svg.querySelectorAll('path[data-layer]')].map((p) => p.dataset.layer),
      areas: [...svg.querySelectorAll('path[data-layer]')].map((p) => { const b = p.getBBox(); return b.width * b.height; }),
      ticks: [...svg.querySelectorAll('text.tick')].map((t) => t.textContent),
      memoryLine: svg.querySelector('line[data-line=memory]') !== null,
      title: svg.querySelector('title').textContent,
    }));
    assert.deepEqual(chart.layers, ['weights_bytes', 'kv_bytes', 'buffers_bytes', 'overhead_bytes']);
    for (const a of chart.areas) assert.ok(a > 100, `every area is drawn (${chart.areas})`);
    assert.ok(chart.ticks.includes('256') && chart.ticks.includes('128K'), chart.ticks.join(' '));
    assert.ok(chart.memoryLine);
    assert.match(chart.title, /llama3.2-1b Q8_0 on NVIDIA GeForce RTX 3060/);

    const shot = path.join(artifacts, 'tools-memory.png');
    const png = await page.locator('#chart').screenshot({ path: shot });
    console.log(`memory chart screenshot: ${shot}`);
    assert.ok(await paintedShare(png) > 0.05, 'the chart screenshot is not blank');

    // The served model on this machine: the same memory figures as the CLI's
    // plan of the same file (bandwidth and free RAM, measured, may differ).
    await page.selectOption('select[name=source]', 'model:stories260K');
    assert.ok(await page.isDisabled('select[name=type]'), 'a served model has its own types');
    await page.selectOption('select[name=hardware]', 'this');
    await page.fill('input[name=ctx]', '1024');
    await page.selectOption('select[name=kv_type]', 'f16');
    await submit(page);
    const own = await cliJson(['plan', modelPath, '--ctx', '1024', '--json']);
    for (const key of ['weights_bytes', 'kv_bytes', 'buffers_bytes', 'overhead_bytes', 'total_bytes']) {
      assert.equal(await figure(page, key), own[key], key);
    }
    await page.waitForFunction(() => document.querySelector('#chart svg title')?.textContent.includes('stories260K'));
    await page.screenshot({ path: path.join(artifacts, 'tools-memory-page.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// Share of a PNG's pixels that differ from its top-left pixel, decoded by
// the browser on a blank page (no policy against data: images there).
async function paintedShare(png) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    return await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const g = canvas.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, img.width, img.height).data;
      let painted = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) painted++;
      }
      return painted / (d.length / 4);
    }, png.toString('base64'));
  } finally {
    await context.close();
  }
}

test('speed: decode and prefill equal `hearth plan --json`', async () => {
  const { page, context, problems } = await openPage('/tools/speed');
  try {
    await page.selectOption('select[name=source]', 'shape:qwen2.5-0.5b');
    await page.selectOption('select[name=type]', 'Q4_K_M');
    await page.selectOption('select[name=hardware]', 'h100');
    await page.fill('input[name=ctx]', '32768');
    await page.fill('input[name=parallel]', '4');
    await submit(page);
    const cli = await cliJson(['plan', '--shape', 'qwen2.5-0.5b', '--type', 'Q4_K_M', '--hardware', 'h100',
      '--ctx', '32768', '--parallel', '4', '--json']);
    for (const key of ['decode_tok_s', 'decode_tok_s_full_context', 'decode_tok_s_all_sequences', 'prefill_tok_s', 'bytes_per_token']) {
      assert.equal(await figure(page, key), cli[key], key);
    }
    assert.equal(await figure(page, 'efficiency_decode'), cli.efficiency.decode);
    assert.match(await page.textContent('#decode_tok_s'), new RegExp(`^${cli.decode_tok_s.toFixed(1)} tok/s$`));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('cost: break-even equals `hearth cost --json`', async () => {
  const { page, context, problems } = await openPage('/tools/cost');
  try {
    await page.selectOption('select[name=source]', 'shape:llama3.1-8b');
    await page.selectOption('select[name=type]', 'Q4_K_M');
    await page.selectOption('select[name=hardware]', 'rtx3090');
    await page.fill('input[name=price]', '1500');
    await page.fill('input[name=power_w]', '350');
    await page.fill('input[name=electricity]', '0.22');
    await page.fill('input[name=utilization]', '0.25');
    await page.fill('input[name=parallel]', '4');
    await submit(page);
    const cli = await cliJson(['cost', '--shape', 'llama3.1-8b', '--type', 'Q4_K_M', '--hardware', 'rtx3090',
      '--price', '1500', '--power-w', '350', '--electricity', '0.22', '--utilization', '0.25', '--parallel', '4', '--json']);
    assert.equal(await figure(page, 'tok_s'), cli.tok_s);
    assert.equal(cli.comparisons.length, 2);
    for (const [i, c] of cli.comparisons.entries()) {
      for (const key of ['output_tokens_per_month', 'cloud_usd_per_month', 'owned_usd_per_month',
        'break_even_output_tokens_per_month', 'months_to_break_even']) {
        assert.equal(await figure(page, `c${i}-${key}`), c[key] ?? 'never', `${c.cloud} ${key}`);
      }
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('tokens: text and chat messages count as `hearth tokens --json` counts them', async () => {
  const { page, context, problems } = await openPage('/tools/tokens');
  try {
    const story = 'Once upon a time, a little fox found a shiny stone by the river.';
    await page.check('input[name=kind][value=text]');
    await page.fill('#input', story);
    await submit(page);
    const textFile = path.join(scratch, 'story.txt');
    fs.writeFileSync(textFile, story);
    const cliText = await cliJson(['tokens', textFile, '--model', modelPath, '--json']);
    assert.equal(await figure(page, 'tokens'), cliText.files[0].tokens);
    assert.equal(await figure(page, 'fits'), cliText.files[0].fits);
    assert.equal(await figure(page, 'cost0'), cliText.files[0].input_cost_usd['GPT-5.5']);

    // OpenAI content parts, as a chat: the CLI reads the same JSON from a file.
    const chat = [{ role: 'system', content: 'Be kind.' },
      { role: 'user', content: [{ type: 'text', text: 'Tell me ' }, { type: 'text', text: 'a story.' }] }];
    await page.check('input[name=kind][value=messages]');
    await page.fill('#input', JSON.stringify({ messages: chat }));
    await page.fill('input[name=ctx]', '20');
    await submit(page);
    const chatFile = path.join(scratch, 'chat.json');
    fs.writeFileSync(chatFile, JSON.stringify(chat));
    const cliChat = await cliJson(['tokens', chatFile, '--model', modelPath, '--ctx', '20', '--json']);
    assert.equal(cliChat.files[0].kind, 'chat');
    assert.equal(await figure(page, 'tokens'), cliChat.files[0].tokens);
    assert.equal(await figure(page, 'fits'), cliChat.files[0].fits);

    // Not JSON: the page says so and keeps the last answer.
    await page.fill('#input', '[{"role": "user",');
    await submit(page);
    assert.match(await page.textContent('#notice'), /not valid JSON/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('serve --kv-type q8_0 sizes the KV cache as `hearth plan --kv-type q8_0` does', async () => {
  const health = async (s) => (await (await fetch(`${s.url}/health`)).json()).models[0];
  const f16 = await startServer(['--ctx', '4096'], tinyModelPath);
  let q8;
  try {
    q8 = await startServer(['--ctx', '4096', '--kv-type', 'q8_0'], tinyModelPath);
    const [a, b] = [await health(f16), await health(q8)];
    assert.equal(a.kv_cells, 4096);
    assert.equal(b.kv_cells, 4096);
    const plan = (kv) => cliJson(['plan', tinyModelPath, '--ctx', '4096', '--kv-type', kv, '--hardware', 'rtx4090', '--json']);
    const [p16, p8] = [await plan('f16'), await plan('q8_0')];
    assert.ok(b.bytes < a.bytes);
    assert.equal(a.bytes - b.bytes, p16.kv_bytes - p8.kv_bytes);
  } finally {
    await q8?.stop();
    await f16.stop();
  }
});
