// hearth gateway end to end, with real processes on loopback: two
// `hearth serve` nodes on the built-in model, a fake OpenAI-compatible
// "cloud" that demands its own bearer key, a fake slow node that dies
// mid-stream, and gateways in front, driven by the official openai client
// (maxRetries 0: every retry seen here is the gateway's own).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { binary, startServer } from './server.mjs';

const CLOUD_KEY = 'cloud-secret-key';
const procs = [];
const servers = [];
let tmp;
let nodeA;
let nodeB;
let model;
let cloud;
let slow;

// An in-process HTTP server on a free port; resolves to its base URL.
function listen(handler) {
  const s = http.createServer(handler);
  servers.push(s);
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${s.address().port}`)));
}

function readBody(req) {
  return new Promise((resolve) => {
    let b = '';
    req.on('data', (d) => { b += d; });
    req.on('end', () => resolve(b));
  });
}

// The fake cloud: OpenAI-shaped answers, 401 without its key; records what it
// was asked (seen: path and model; bodies: every body as it arrived).
async function startCloud() {
  const seen = [];
  const bodies = [];
  const url = await listen(async (req, res) => {
    const body = await readBody(req);
    if (req.headers.authorization !== `Bearer ${CLOUD_KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'bad key', type: 'auth' } }));
    }
    const j = JSON.parse(body);
    seen.push({ path: req.url, model: j.model });
    bodies.push(j);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      id: 'cloud-1', object: 'chat.completion', created: 1, model: j.model,
      choices: [{ index: 0, message: { role: 'assistant', content: `cloud says hi to ${j.model}` }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 4, total_tokens: 5 },
    }));
  });
  return { url, seen, bodies };
}

// A node that streams one event every 50 ms and breaks its connection
// (as a crashed process would) after the third.
async function startSlowNode() {
  return listen(async (req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ object: 'list', data: [{ id: 'slow-model', object: 'model' }] }));
    }
    await readBody(req);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const timer = setInterval(() => {
      if (n++ === 3) { clearInterval(timer); return req.socket.destroy(); }
      res.write(`data: ${JSON.stringify({ id: 's', object: 'chat.completion.chunk', created: 1, model: 'slow-model',
        choices: [{ index: 0, delta: { content: `part${n} ` }, finish_reason: null }] })}\n\n`);
    }, 50);
  });
}

// Starts `hearth gateway` on a config; resolves to its URL once it listens.
function startGateway(name, toml) {
  const file = path.join(tmp, `${name}.toml`);
  fs.writeFileSync(file, toml);
  const child = spawn(binary, ['gateway', '--config', file], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BURST_KEY: CLOUD_KEY },
  });
  procs.push(child);
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${log}`)), 10000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/listening on (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`gateway exited (${code}):\n${log}`)); });
  });
}

const health = `[health]\ninterval = 0.2\nfailures = 2\nopen_for = 1\nconnect_timeout = 1\n`;
const node = (name, url) => `[[nodes]]\nname = "${name}"\nurl = "${url}"\ntimeout = 60\n`;
const burst = (models = '') => `[[clouds]]\nname = "burst"\nurl = "${cloud.url}/v1"\napi_key_env = "BURST_KEY"\n${models}`;
// [audit] for a gateway with clouds: its own log, and prices for the fake
// cloud's models ($1 per completion token, prompts free: cost = completion tokens).
const audit = (name, extra = '') => {
  const prices = path.join(tmp, 'prices.json');
  fs.writeFileSync(prices, JSON.stringify({ prices: ['gpt-cloud-small', 'any'].map((n) =>
    ({ name: n, input_per_million: 0, output_per_million: 1e6 })) }));
  return `[audit]\npath = "${path.join(tmp, `${name}.jsonl`)}"\nprices = "${prices}"\n${extra}`;
};
const client = (url) => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let gw; // the main gateway over nodes a and b

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-gw-'));
  [nodeA, nodeB, cloud] = await Promise.all([startServer(), startServer(), startCloud()]);
  slow = await startSlowNode();
  model = (await (await fetch(`${nodeA.url}/v1/models`)).json()).data[0].id;
  gw = await startGateway('main', `listen = "127.0.0.1:0"\n[cache]\nbackend = "memory"\n${health}` +
    node('a', nodeA.url) + node('b', nodeB.url) +
    burst(`models = { "remote-small" = "gpt-cloud-small" }\n`) +
    `[[routes]]\nmodel = "remote-*"\ncloud = "always"\n[[routes]]\nmodel = "*"\ncloud = "on_failure"\n` + audit('main'));
});

after(async () => {
  for (const p of procs) p.kill('SIGKILL');
  const running = (n) => n && n.child.exitCode === null && n.child.signalCode === null;
  await Promise.allSettled([nodeA, nodeB].map((n) => running(n) && n.stop()));
  for (const s of servers) s.closeAllConnections?.(), s.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('models are the union of the nodes; /health lists them', async () => {
  await until('node models learnt', async () => (await client(gw).models.list()).data.length > 0);
  const ids = (await client(gw).models.list()).data.map((m) => m.id);
  assert.deepEqual(ids, [model]);
  const h = await (await fetch(`${gw}/health`)).json();
  assert.deepEqual(h.nodes.map((n) => [n.name, n.healthy, n.breaker]), [['a', true, 'closed'], ['b', true, 'closed']]);
});

test('cache: miss then hit on repeat, same answer (non-streaming)', async () => {
  const req = { model, messages: [{ role: 'user', content: 'Once upon a time' }], temperature: 0, max_tokens: 12 };
  const first = await client(gw).chat.completions.create(req).withResponse();
  assert.equal(first.response.headers.get('x-hearth-cache'), 'miss');
  assert.match(first.response.headers.get('x-hearth-upstream'), /^[ab]$/);
  // Key order and the stream flag's absence do not matter.
  const again = await client(gw).chat.completions.create({ max_tokens: 12, temperature: 0.0, messages: req.messages, model }).withResponse();
  assert.equal(again.response.headers.get('x-hearth-cache'), 'hit');
  assert.equal(again.data.choices[0].message.content, first.data.choices[0].message.content);
  assert.ok(first.data.choices[0].message.content.length > 0);
  // Not cacheable (temperature 1 by default): no cache header at all.
  const hot = await client(gw).chat.completions.create({ model, messages: req.messages, max_tokens: 4 }).withResponse();
  assert.equal(hot.response.headers.get('x-hearth-cache'), null);
});

async function streamText(c, req) {
  const { data, response } = await c.chat.completions.create({ ...req, stream: true }).withResponse();
  let text = '';
  let chunks = 0;
  for await (const ch of data) { text += ch.choices[0]?.delta?.content ?? ''; chunks++; }
  return { text, chunks, cache: response.headers.get('x-hearth-cache') };
}

test('cache: a streamed answer is stored and replayed as a stream; a JSON answer streams too', async () => {
  const req = { model, messages: [{ role: 'user', content: 'The little dog' }], temperature: 0, max_tokens: 16 };
  const first = await streamText(client(gw), req);
  assert.equal(first.cache, 'miss');
  assert.ok(first.chunks > 2, 'the node streamed several chunks');
  const second = await streamText(client(gw), req);
  assert.equal(second.cache, 'hit');
  assert.equal(second.text, first.text);
  // The JSON answer cached by the previous test, asked for as a stream.
  const json = { model, messages: [{ role: 'user', content: 'Once upon a time' }], temperature: 0, max_tokens: 12 };
  const fromJson = await streamText(client(gw), json);
  assert.equal(fromJson.cache, 'hit');
  const direct = await client(gw).chat.completions.create(json);
  assert.equal(fromJson.text, direct.choices[0].message.content);
  assert.ok(await metric(gw, 'hearth_gateway_requests_total{decision="cache"}') >= 3);
});

test('embeddings are cached; Anthropic messages pass through to a node, streamed too', async () => {
  const e1 = await client(gw).embeddings.create({ model, input: 'a cat', encoding_format: 'float' }).withResponse();
  const e2 = await client(gw).embeddings.create({ input: 'a cat', encoding_format: 'float', model }).withResponse();
  assert.equal(e1.response.headers.get('x-hearth-cache'), 'miss');
  assert.equal(e2.response.headers.get('x-hearth-cache'), 'hit');
  assert.deepEqual(e2.data.data[0].embedding, e1.data.data[0].embedding);
  assert.ok(e1.data.data[0].embedding.length > 0);

  const a = new Anthropic({ baseURL: gw, apiKey: 'unused', maxRetries: 0 });
  const msg = await a.messages.create({ model, max_tokens: 8, messages: [{ role: 'user', content: 'Hello' }] });
  assert.equal(msg.type, 'message');
  assert.ok(msg.content[0].text.length > 0);
  const stream = a.messages.stream({ model, max_tokens: 8, messages: [{ role: 'user', content: 'Hello' }] });
  const final = await stream.finalMessage();
  assert.equal(final.usage.output_tokens, 8);
  // An unknown path gets a 404 in the dialect's shape.
  const r = await fetch(`${gw}/v1/nothing`);
  assert.equal(r.status, 404);
  assert.match((await r.json()).error.message, /the gateway serves no GET \/v1\/nothing/);
});

test('sqlite cache: an answer survives a gateway restart', async () => {
  const conf = `listen = "127.0.0.1:0"\n[cache]\nbackend = "sqlite"\npath = "${path.join(tmp, 'cache.db')}"\n${health}` + node('b', nodeB.url);
  const req = { model, messages: [{ role: 'user', content: 'A persistent tale' }], temperature: 0, max_tokens: 8 };
  const g1 = await startGateway('persist1', conf);
  const first = await client(g1).chat.completions.create(req).withResponse();
  assert.equal(first.response.headers.get('x-hearth-cache'), 'miss');
  const child = procs[procs.length - 1];
  await new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); });
  const g2 = await startGateway('persist2', conf);
  const second = await client(g2).chat.completions.create(req).withResponse();
  assert.equal(second.response.headers.get('x-hearth-cache'), 'hit');
  assert.equal(second.data.choices[0].message.content, first.data.choices[0].message.content);
});

test('cloud policy: always goes to the cloud with its key and mapped model; on_failure stays on healthy nodes', async () => {
  const before = cloud.seen.length;
  const r = await client(gw).chat.completions.create({ model: 'remote-small', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  assert.equal(r.response.headers.get('x-hearth-upstream'), 'burst');
  assert.equal(r.data.choices[0].message.content, 'cloud says hi to gpt-cloud-small');
  assert.deepEqual(cloud.seen.slice(before), [{ path: '/v1/chat/completions', model: 'gpt-cloud-small' }]);
  const local = await client(gw).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }).withResponse();
  assert.match(local.response.headers.get('x-hearth-upstream'), /^[ab]$/);
  assert.equal(cloud.seen.length, before + 1, 'on_failure with healthy nodes never reaches the cloud');
});

test('cloud policy with every node down: on_failure bursts, never answers 503, deny is honoured', async () => {
  // A port that was free a moment ago: nothing listens there.
  const closed = await listen(() => {});
  const port = new URL(closed).port;
  await new Promise((r) => servers.pop().close(r)); // now nothing listens on it
  const down = await startGateway('down', `listen = "127.0.0.1:0"\n${health}` + node('x', `http://127.0.0.1:${port}`) +
    burst() + `[[routes]]\nmodel = "never-*"\ncloud = "never"\n[[routes]]\nmodel = "*"\ncloud = "on_failure"\n` + audit('down'));
  const before = cloud.seen.length;
  const burstAnswer = await client(down).chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  assert.equal(burstAnswer.response.headers.get('x-hearth-upstream'), 'burst');
  assert.equal(cloud.seen.length, before + 1);
  await assert.rejects(client(down).chat.completions.create({ model: 'never-x', messages: [{ role: 'user', content: 'hi' }] }),
    (e) => e.status === 502 || e.status === 503);
  await assert.rejects(client(down).chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'hi' }] },
    { headers: { 'x-hearth-cloud': 'deny' } }), (e) => e.status === 502 || e.status === 503);
  assert.equal(cloud.seen.length, before + 1, 'never and deny did not reach the cloud');
});

test('a node killed mid-stream ends the stream with an error event and [DONE]', async () => {
  const g = await startGateway('slow', `listen = "127.0.0.1:0"\n${health}` + node('s', slow));
  const res = await fetch(`${g}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow-model', messages: [{ role: 'user', content: 'hi' }], stream: true }),
  });
  assert.equal(res.status, 200);
  const body = await res.text(); // ends: the gateway closes the stream after the error
  const events = body.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
  assert.deepEqual(events.slice(0, 3).map((e) => JSON.parse(e).choices[0].delta.content), ['part1 ', 'part2 ', 'part3 ']);
  const err = JSON.parse(events[3]);
  assert.match(err.error.message, /upstream s failed mid-stream/);
  assert.equal(events[4], '[DONE]');
  assert.equal(events.length, 5);
  // The official client surfaces it as an error, not a silent end.
  const c = client(g);
  await assert.rejects(async () => {
    for await (const _ of await c.chat.completions.create({ model: 'slow-model', messages: [{ role: 'user', content: 'x' }], stream: true })) { /* drain */ }
  }, /failed mid-stream/);
});

test('upstream keep-alive: sequential requests reuse the connections to the nodes', async () => {
  const reused = 'hearth_gateway_upstream_requests_total{connection="reused"}';
  const fresh = 'hearth_gateway_upstream_requests_total{connection="new"}';
  const [reusedBefore, freshBefore] = [await metric(gw, reused), await metric(gw, fresh)];
  const c = client(gw);
  for (let i = 0; i < 6; i++) {
    // Not cacheable (temperature 1): every one goes to a node, a and b in turn.
    const r = await c.chat.completions.create({ model, messages: [{ role: 'user', content: `Hi ${i}` }], max_tokens: 2 }).withResponse();
    assert.match(r.response.headers.get('x-hearth-upstream'), /^[ab]$/);
  }
  const [reusedAfter, freshAfter] = [await metric(gw, reused), await metric(gw, fresh)];
  assert.equal(reusedAfter - reusedBefore + freshAfter - freshBefore, 6);
  // At most one new connection per node; every later request rides a pooled one.
  assert.ok(freshAfter - freshBefore <= 2, `new connections: ${freshAfter - freshBefore}`);
});

test('killing a node under load loses no request that had not started streaming', async () => {
  const failedBefore = await metric(gw, 'hearth_gateway_attempts_failed_total');
  const c = client(gw);
  const jobs = Array.from({ length: 12 }, (_, i) => c.chat.completions.create({
    model, messages: [{ role: 'user', content: `Tell story number ${i}` }], temperature: 0.9, max_tokens: 64,
  }).withResponse());
  await until('node a busy', async () => {
    const h = await (await fetch(`${gw}/health`)).json();
    return h.nodes[0].outstanding > 0;
  });
  nodeA.child.kill('SIGKILL');
  const results = await Promise.allSettled(jobs);
  const lost = results.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
  assert.deepEqual(lost, []);
  for (const r of results) assert.ok(r.value.data.choices[0].message.content.length > 0);
  assert.ok(await metric(gw, 'hearth_gateway_attempts_failed_total') > failedBefore,
    'requests in flight on the killed node were retried');
  await until('node a marked down', async () => !(await (await fetch(`${gw}/health`)).json()).nodes[0].healthy);
  const after = await c.chat.completions.create({ model, messages: [{ role: 'user', content: 'still there?' }], max_tokens: 4 }).withResponse();
  assert.equal(after.response.headers.get('x-hearth-upstream'), 'b');
});

test('cloud egress: every cloud request is redacted, audited (verify + query) and stopped with 429 at the budget cap', async () => {
  // $12 a day at $1 per completion token, 4 tokens per answer: exactly three answers fit.
  const g = await startGateway('egress', `listen = "127.0.0.1:0"\n${health}` +
    burst(`models = { "remote-small" = "gpt-cloud-small" }\n`) + `[[routes]]\nmodel = "*"\ncloud = "always"\n` +
    audit('egress', '[budgets]\nusd_per_day = 12\n'));
  const log = path.join(tmp, 'egress.jsonl');
  const ask = (content) => client(g).chat.completions.create({ model: 'remote-small', max_tokens: 4,
    messages: [{ role: 'user', content }] });
  const before = cloud.bodies.length;
  const first = await ask('Reply to jane.doe@corp.example about the invoice');
  assert.equal(first.choices[0].message.content, 'cloud says hi to gpt-cloud-small');
  assert.equal(cloud.bodies[before].messages[0].content, 'Reply to [REDACTED:email] about the invoice');
  await ask('second');
  await ask('third');
  await assert.rejects(ask('fourth'), (e) => e.status === 429 && e.error?.type === 'rate_limit_error' && /daily budget/.test(e.message));
  assert.equal(cloud.bodies.length, before + 3, 'the request over the cap never reached the cloud');
  assert.ok(!fs.readFileSync(log, 'utf8').includes('jane.doe@'), 'the address is not in the audit log');

  const verify = spawnSync(binary, ['audit', 'verify', log]);
  assert.equal(verify.status, 0, String(verify.stderr));
  assert.match(String(verify.stdout), /ok, 6 records, hash chain intact/);
  const q = JSON.parse(execFileSync(binary, ['audit', 'query', log, '--json', '--model', 'gpt-cloud-small']));
  assert.deepEqual(q.records.map((r) => [r.type, r.model, r.cloud, r.cloud_model]),
    Array.from({ length: 3 }, () => [['request', 'remote-small', 'burst', 'gpt-cloud-small'],
      ['completion', 'remote-small', 'burst', 'gpt-cloud-small']]).flat());
  assert.deepEqual(q.records[0].redactions, { email: 1 });
  const done = q.records.filter((r) => r.type === 'completion');
  assert.deepEqual(done.map((r) => [r.prompt_tokens, r.completion_tokens, r.cost_usd, r.outcome]),
    Array(3).fill([1, 4, 4, 'ok']));
  assert.deepEqual(q.summary, { requests: 3, completions: 3, prompt_tokens: 3, completion_tokens: 12, cost_usd: 12 });
});
