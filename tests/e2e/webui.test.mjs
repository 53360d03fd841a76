// The web UI (`hearth serve` at /) driven by headless Chromium through
// playwright-core, as a user would: pick a model, send with Enter, watch the
// answer stream in, stop a long answer, reload and find the history, set
// the API key, summarize a text. Screenshots go to $HEARTH_ARTIFACTS, or
// to webui-artifacts/ beside the hearth binary (the build dir).
//   CHROMIUM: the browser (default Debian's /usr/bin/chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { artifactsDir, launchChromium } from './browser.mjs';
import { startServer, tinyModelPath } from './server.mjs';

const artifacts = artifactsDir('webui-artifacts');
const model = 'stories260K';

let server;
let browser;

before(async () => {
  [server, browser] = await Promise.all([
    startServer(['--ctx', '2048']),
    launchChromium(),
  ]);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// A fresh browser profile (empty localStorage) on `base`. Records page
// errors and any request that leaves the server's origin.
async function openPage(base, pagePath = '/') {
  const context = await browser.newContext({ viewport: { width: 1180, height: 760 } });
  context.setDefaultTimeout(30000);  // generous: CI machines may be loaded
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('request', (r) => { if (!r.url().startsWith(`${base}/`)) problems.push(`request to another origin: ${r.url()}`); });
  await page.goto(base + pagePath);
  return { page, context, problems };
}

// /health, asked again once after a network error (a pooled keep-alive
// socket can be reset under a loaded CI machine); a server that is really
// gone, or does not answer within 10 s, fails both times.
async function health(base) {
  const ask = async () => (await fetch(`${base}/health`, { signal: AbortSignal.timeout(10000) })).json();
  try {
    return await ask();
  } catch {
    await new Promise((r) => setTimeout(r, 200));
    return ask();
  }
}

async function waitFor(predicate, what, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await predicate();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Records every distinct text of the last assistant message as it changes.
async function watchAnswer(page) {
  await page.evaluate(() => {
    window.answerUpdates = [];
    new MutationObserver(() => {
      const answers = document.querySelectorAll('.msg.assistant .content');
      const text = answers.length ? answers[answers.length - 1].textContent : '';
      if (text && window.answerUpdates.at(-1) !== text) window.answerUpdates.push(text);
    }).observe(document.getElementById('messages'), { subtree: true, childList: true, characterData: true });
  });
}

const squash = (s) => s.replace(/\s+/g, ' ').trim();

test('pages are served with their content type and a same-origin security policy', async () => {
  for (const [p, type] of [['/', 'text/html'], ['/chat', 'text/html'], ['/summarize', 'text/html'],
    ['/assets/chat.js', 'text/javascript'], ['/assets/style.css', 'text/css']]) {
    const res = await fetch(server.url + p);
    assert.equal(res.status, 200, p);
    assert.ok(res.headers.get('content-type').startsWith(type), `${p}: ${res.headers.get('content-type')}`);
    assert.match(res.headers.get('content-security-policy'), /default-src 'self'/, p);
  }
  assert.equal((await fetch(`${server.url}/assets/missing.js`)).status, 404);
});

test('chat: pick the model, Enter sends, the answer streams in, history survives a reload', async () => {
  const { page, context, problems } = await openPage(server.url);
  try {
    await page.waitForSelector(`#model option[value="${model}"]`, { state: 'attached' });
    await page.selectOption('#model', model);
    // Greedy decoding, so the page's answer can be compared with the API's.
    await page.click('.settings summary');
    await page.fill('#temperature', '0');
    await page.fill('#max-tokens', '300');

    // Shift+Enter is a new line, not a send.
    await page.click('#prompt');
    await page.keyboard.type('Tell me a story');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('about a cat.');
    assert.equal(await page.inputValue('#prompt'), 'Tell me a story\nabout a cat.');
    assert.equal(await page.locator('.msg').count(), 0);

    // The built-in model writes 300 tokens in a fraction of a second, which
    // could land in one animation frame; a slow link (emulated by Chromium)
    // spreads the stream out so the page's incremental rendering is seen.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions',
      { offline: false, latency: 0, downloadThroughput: 16 * 1024, uploadThroughput: -1 });
    await watchAnswer(page);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.msg.assistant');
    await page.waitForSelector('.msg.streaming', { state: 'detached' });

    const updates = await page.evaluate(() => window.answerUpdates);
    assert.ok(updates.length > 1, `the answer should appear in several updates, saw ${updates.length}`);
    for (let i = 1; i < updates.length; i++) {
      assert.ok(squash(updates[i]).startsWith(squash(updates[i - 1]).slice(0, -1)), 'each update extends the text');
    }
    const shown = await page.locator('.msg.assistant .content').innerText();
    assert.ok(shown.length > 20, shown);

    // The same request through the API gives the same text.
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model, temperature: 0, max_tokens: 300,
        messages: [{ role: 'user', content: 'Tell me a story\nabout a cat.' }] }),
    });
    const expected = (await res.json()).choices[0].message.content;
    assert.equal(squash(shown), squash(expected));
    await page.screenshot({ path: path.join(artifacts, 'chat.png') });

    await page.reload();
    await page.waitForSelector('.msg.assistant');
    assert.equal(await page.locator('.msg.user .content').textContent(), 'Tell me a story\nabout a cat.');
    assert.equal(await page.locator('.msg.assistant .content').innerText(), shown);
    assert.equal(await page.locator('#conversations li').count(), 1);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(artifacts, 'chat-dark.png') });
    assert.equal(await page.inputValue('#temperature'), '0', 'settings are kept too');

    // A new chat starts empty; the old one is still listed and opens again.
    await page.click('#new-chat');
    assert.equal(await page.locator('.msg').count(), 0);
    await page.click('#conversations li .open');
    assert.equal(await page.locator('.msg').count(), 2);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('stop aborts a long answer and the server cancels the generation', async () => {
  // A random-weight model never ends by itself: its answer runs to max tokens.
  // 65000 of them: tiny-llama writes ~13000 tokens/s on one core, so 4000
  // (0.3 s) could run out between the check below and the server seeing the
  // stop (the test failed so on a loaded 2-core machine: cancelled 0).
  const tiny = await startServer(['--ctx', '65536'], tinyModelPath);
  const { page, context, problems } = await openPage(tiny.url, '/chat');
  try {
    await page.waitForSelector('#model option', { state: 'attached' });
    await page.click('.settings summary');
    await page.fill('#max-tokens', '65000');
    await page.fill('#prompt', 'Hello');
    await page.click('#send');
    await page.waitForFunction(() => document.querySelector('.msg.assistant .content')?.textContent.length > 0);
    assert.equal((await health(tiny.url)).running, 1, 'still generating when stop is pressed');
    await page.click('#stop');
    await page.waitForSelector('.msg.assistant .meta:has-text("Stopped.")');
    assert.ok(await page.locator('#send').isVisible());

    const h = await waitFor(async () => { const s = await health(tiny.url); return s.running === 0 && s; }, 'the sequence to end');
    assert.equal(h.cancelled, 1, 'ended by cancellation, not by running to max tokens');
    assert.equal(h.kv_cells_used, 0);
    const text = await page.locator('.msg.assistant .content').textContent();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await page.locator('.msg.assistant .content').textContent(), text, 'no text after stop');

    await page.reload();
    await page.waitForSelector('.msg.assistant .meta:has-text("Stopped.")');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await tiny.stop();
  }
});

test('a server with an API key: the page asks for it, then works', async () => {
  const keyed = await startServer(['--api-key', 'secret-1']);
  const { page, context, problems } = await openPage(keyed.url, '/chat');
  try {
    await page.waitForSelector('#notice:has-text("API key")');
    await page.click('#api-key-button');
    await page.fill('#api-key', 'secret-1');
    await page.click('#api-key-save');
    await page.waitForSelector(`#model option[value="${model}"]`, { state: 'attached' });
    assert.equal(await page.textContent('#notice'), '');
    await page.click('.settings summary');
    await page.fill('#max-tokens', '16');
    await page.fill('#prompt', 'Hi');
    await page.press('#prompt', 'Enter');
    await page.waitForSelector('.msg.assistant .content:not(:empty)');
    await page.waitForSelector('#send', { state: 'visible' });
    assert.equal(await page.locator('.msg.assistant .meta.error').count(), 0);
    // The only error is the first, keyless, model list.
    assert.ok(problems.every((p) => /401/.test(p)), problems.join('\n'));
  } finally {
    await context.close();
    await keyed.stop();
  }
});

test('summarize: pasted text comes back summarized, from this server only', async () => {
  const { page, context, problems } = await openPage(server.url, '/summarize');
  try {
    await page.waitForSelector(`#model option[value="${model}"]`, { state: 'attached' });
    await page.fill('#source', 'Lily had a red ball. She played with it in the park every day. One day the ball '
      + 'rolled into the pond, and a kind duck pushed it back to her. Lily said thank you to the duck.');
    assert.match(await page.textContent('#count'), /^38 words/);
    await page.press('#source', 'Control+Enter');
    await page.waitForFunction(() => /^(Done|Cut|Error|Stopped)/.test(document.getElementById('notice').textContent));
    const summary = await page.textContent('#summary');
    assert.ok(summary.trim().length > 0);
    assert.match(await page.textContent('#notice'), /^(Done|Cut at the length limit) \(\d+ tokens in, \d+ out\)\.$/);
    await page.screenshot({ path: path.join(artifacts, 'summarize.png') });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('markdown rendering: structure, and no HTML or script from the text', async () => {
  const { page, context, problems } = await openPage(server.url, '/chat');
  try {
    const html = await page.evaluate(async () => {
      const { renderMarkdown } = await import('/assets/markdown.js');
      const src = [
        '# Title', '', 'Some **bold**, *italic*, `a <b> code` and [a link](https://example.com/x?a=1&b=2).',
        '', '- one', '- two', '  - nested', '', '1. first', '2. second', '', '```js', 'if (a < b) alert("x");', '```',
        '', '<img src=x onerror="window.pwned=1"> <script>window.pwned=1</script>',
        '[bad](javascript:window.pwned=1) [bad2](data:text/html,x) [ok](/summarize)',
        '[q](https://a.com" onmouseover="window.pwned=1)',
      ].join('\n');
      const div = document.createElement('div');
      div.innerHTML = renderMarkdown(src);
      document.body.append(div);
      const attrs = [...div.querySelectorAll('*')].flatMap((e) => [...e.attributes].map((a) => a.name));
      return {
        tags: [...div.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()),
        attrs: [...new Set(attrs)].sort(),
        hrefs: [...div.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        code: div.querySelector('pre code').textContent,
        pwned: window.pwned ?? null,
      };
    });
    for (const tag of ['h1', 'strong', 'em', 'code', 'a', 'ul', 'ol', 'li', 'pre']) assert.ok(html.tags.includes(tag), tag);
    assert.ok(html.tags.every((t) => ['h1', 'p', 'strong', 'em', 'code', 'a', 'ul', 'ol', 'li', 'pre', 'br'].includes(t)), html.tags.join());
    assert.deepEqual(html.attrs, ['class', 'href', 'rel', 'target']);
    assert.deepEqual(html.hrefs, ['https://example.com/x?a=1&b=2', '/summarize', 'https://a.com']);
    assert.equal(html.code, 'if (a < b) alert("x");');
    assert.equal(html.pwned, null);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
