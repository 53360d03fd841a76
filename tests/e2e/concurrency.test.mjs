// Many users at once against one `hearth serve`: continuous batching, the
// paged KV cache with its prefix cache and preemption, and backpressure
// (a dropped client frees its KV at once, a full queue and too many
// connections answer 503 with Retry-After). Driven by the official OpenAI
// npm client, and by raw sockets where a client must misbehave.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import OpenAI from 'openai';
import { startServer, tinyModelPath } from './server.mjs';

const model = 'stories260K';
const tiny = 'tiny-llama-Q8_0';
const system = 'You are a storyteller. You tell short, happy stories about animals, children and the sea to a little girl before bed.';

const health = async (url) => (await fetch(`${url}/health`)).json();

// Polls /health until pred holds (or ~5 s pass); returns the last reading.
async function healthUntil(url, pred) {
  let h;
  for (let i = 0; i < 500; i++) {
    h = await health(url);
    if (pred(h)) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return h;
}

// One chat request, streamed or not, reduced to what must match.
async function ask(client, req, stream) {
  if (!stream) {
    const r = await client.chat.completions.create(req);
    return { text: r.choices[0].message.content, finish: r.choices[0].finish_reason, usage: r.usage };
  }
  const s = await client.chat.completions.create({ ...req, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of s) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta?.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { text, finish, usage };
}

test('16 clients at once each get exactly the answer they get alone', async (t) => {
  // 256 cells for 16 requests of up to ~150 tokens each: they cannot all
  // hold their KV at once, so the scheduler admits, grows and preempts.
  const server = await startServer(['--ctx', '256', '--parallel', '16', '--queue', '32']);
  try {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const reqs = Array.from({ length: 16 }, (_, i) => ({
      model,
      messages: [{ role: 'system', content: system }, { role: 'user', content: `Story ${i}: a cat named ${'Tom Lily Sam Max'.split(' ')[i % 4]}.` }],
      max_tokens: 96,
      temperature: 0.8,
      seed: 1000 + i,
    }));
    const alone = [];
    for (let i = 0; i < reqs.length; i++) alone.push(await ask(client, reqs[i], i % 2 === 0));
    const together = await Promise.all(reqs.map((r, i) => ask(client, r, i % 2 === 0)));
    for (let i = 0; i < reqs.length; i++) {
      const a = alone[i];
      const b = together[i];
      assert.ok(['stop', 'length'].includes(b.finish), `client ${i} finished (${b.finish})`);
      assert.ok(b.usage.completion_tokens >= 1 && b.usage.completion_tokens <= 96);
      assert.equal(b.text, a.text, `client ${i}: same text as alone`);
      assert.equal(b.finish, a.finish, `client ${i}`);
      assert.equal(b.usage.prompt_tokens, a.usage.prompt_tokens, `client ${i}`);
      assert.equal(b.usage.completion_tokens, a.usage.completion_tokens, `client ${i}`);
      // The shared system prompt spans whole KV blocks: every request after
      // the first found it in the prefix cache.
      if (i > 0) assert.ok(a.usage.prompt_tokens_details.cached_tokens >= 16, `client ${i} alone: cached prefix`);
      assert.ok(b.usage.prompt_tokens_details.cached_tokens <= b.usage.prompt_tokens);
    }
    const h = await healthUntil(server.url, (x) => x.running === 0 && x.waiting === 0);
    t.diagnostic(`preempted ${h.preempted} times; ${h.kv_cells_cached} cells cached`);
    assert.ok(h.preempted > 0, 'the small context made the scheduler preempt (the path under test)');
    assert.equal(h.kv_cells_used, 0, 'no KV held once every answer is in');
  } finally {
    await server.stop();
  }
});

// Sends a raw streaming completion request over its own socket:
// { sock, events(n) }, where events(n) resolves once n SSE events arrived.
function rawStream(url, body) {
  const { hostname, port } = new URL(url);
  const sock = net.connect(Number(port), hostname, () => {
    const json = JSON.stringify(body);
    sock.write(`POST /v1/completions HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
               `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  });
  sock.on('error', () => {});
  let seen = '';
  const count = () => (seen.match(/^data: /gm) ?? []).length;
  let waiters = [];
  sock.on('data', (d) => {
    seen += d;
    const n = count();
    for (const w of waiters) if (n >= w.n) w.resolve();
    waiters = waiters.filter((w) => n < w.n);
  });
  const events = (n) => new Promise((resolve) => {
    if (count() >= n) resolve();
    else waiters.push({ n, resolve });
  });
  return { sock, events };
}

// GET over a fresh connection (fetch would reuse a pooled one): { status, headers, body }.
function rawGet(url, path) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname, () => {
      sock.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
    });
    let raw = '';
    sock.on('data', (d) => { raw += d; });
    sock.on('error', reject);
    sock.on('close', () => {
      const [head, body] = raw.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(lines[0].split(' ')[1]), headers, body });
    });
  });
}

test('a client that drops its socket mid-stream frees its KV at once', async () => {
  // The random-weight model never ends a story by itself: the sequence is
  // still generating when the socket goes.
  const server = await startServer(['--ctx', '1024'], tinyModelPath);
  try {
    const idle = (await health(server.url)).kv_cells_used;
    const { sock, events } = rawStream(server.url, { model: tiny, prompt: 'Hello there', max_tokens: 1000, seed: 3, stream: true });
    await events(4);
    const busy = await health(server.url);
    assert.equal(busy.running, 1);
    assert.ok(busy.kv_cells_used > idle, 'the stream holds KV cells while it runs');
    sock.destroy();
    const started = Date.now();
    const h = await healthUntil(server.url, (x) => x.kv_cells_used === idle && x.running === 0);
    assert.equal(h.kv_cells_used, idle, 'KV back to its idle value');
    assert.equal(h.running, 0);
    assert.equal(h.cancelled, 1, 'ended by cancellation, not by running to max_tokens');
    assert.ok(Date.now() - started < 5000);
  } finally {
    await server.stop();
  }
});

test('a full queue answers 503 with Retry-After, and so do too many connections', async () => {
  const server = await startServer(['--ctx', '1024', '--parallel', '1', '--queue', '1', '--max-connections', '5'], tinyModelPath);
  const socks = [];
  try {
    const body = { model: tiny, prompt: 'Hello', max_tokens: 1000, seed: 1, stream: true };
    // One runs, one waits, the third finds the queue full.
    const running = rawStream(server.url, body);
    socks.push(running.sock);
    await running.events(2);
    socks.push(rawStream(server.url, body).sock);  // gets no event while queued
    await healthUntil(server.url, (x) => x.waiting === 1);
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    await assert.rejects(client.completions.create({ ...body, stream: false, max_tokens: 4 }), (e) => {
      assert.equal(e.status, 503);
      assert.equal(e.code, 'queue_full');
      assert.ok(Number(e.headers['retry-after']) >= 1);
      return true;
    });
    // Connections: the two streams, the pooled ones of fetch and of the
    // client, and three idle sockets exceed five; a new one is turned away
    // before its request is read.
    const { hostname, port } = new URL(server.url);
    for (let i = 0; i < 3; i++) {
      socks.push(await new Promise((res) => { const s = net.connect(Number(port), hostname, () => res(s)); }));
    }
    await new Promise((r) => setTimeout(r, 100));  // let the server accept them
    const over = await rawGet(server.url, '/health');
    assert.equal(over.status, 503);
    assert.ok(Number(over.headers['retry-after']) >= 1);
    assert.equal(JSON.parse(over.body).error.code, 'too_many_connections');
    for (const s of socks.splice(0)) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await rawGet(server.url, '/health')).status, 200, 'room again once clients leave');
    const h = await healthUntil(server.url, (x) => x.running === 0 && x.waiting === 0);
    assert.equal(h.kv_cells_used, 0);
  } finally {
    for (const s of socks) s.destroy();
    await server.stop();
  }
});
