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
import { client, fakeCloud, launchGateway, listenOn, metric, readBody, until } from './gateway_helpers.mjs';

const procs = [];
const servers = [];
let tmp;
let nodeA;
let nodeB;
let model;
let cloud;
let slow;

// An in-process HTTP server on a free port; resolves to its base URL.
async function listen(handler) {
  return `http://127.0.0.1:${await listenOn(http.createServer(handler), servers)}`;
}

// The fake cloud (gateway_helpers.mjs) on a free port.
async function startCloud() {
  const c = fakeCloud();
  return { url: await listen(c.handler), seen: c.seen, bodies: c.bodies };
}

// A node that streams one event every 50 ms and breaks its connection
// (as a crashed process would) after the `parts`th.
async function startSlowNode(parts = 3) {
  return listen(async (req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ object: 'list', data: [{ id: 'slow-model', object: 'model' }] }));
    }
    await readBody(req);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const timer = setInterval(() => {
      if (n++ === parts) { clearInterval(timer); return req.socket.destroy(); }
      res.write(`data: ${JSON.stringify({ id: 's', object: 'chat.completion.chunk', created: 1, model: 'slow-model',
        choices: [{ index: 0, delta: { content: `part${n} ` }, finish_reason: null }] })}\n\n`);
    }, 50);
    res.on('close', () => clearInterval(timer)); // the gateway hung up
  });
}

// Starts `hearth gateway` on a config; resolves to its URL once it listens.
// env: more environment variables for it.
const startGateway = (name, toml, env = {}) => launchGateway({ dir: tmp, procs }, name, toml, env);

const health = `[health]\ninterval = 0.2\nfailures = 2\nopen_for = 1\nconnect_timeout = 1\n`;
const node = (name, url) => `[[nodes]]\nname = "${name}"\nurl = "${url}"\ntimeout = 60\n`;
const burst = (models = '') => `[[clouds]]\nname = "burst"\nurl = "${cloud.url}/v1"\napi_key_env = "BURST_KEY"\n${models}`;
// [audit] for a gateway with clouds: its own log, and prices for the fake
// cloud's models ($1 per completion token, prompts free: cost = completion tokens).
// The prices file is written once: rewriting it for each config would empty
// it for a moment under a gateway that is starting up and reading it.
let pricesFile = null;
const audit = (name, extra = '') => {
  if (pricesFile === null) {
    pricesFile = path.join(tmp, 'prices.json');
    fs.writeFileSync(pricesFile, JSON.stringify({ prices: ['gpt-cloud-small', 'any'].map((n) =>
      ({ name: n, input_per_million: 0, output_per_million: 1e6 })) }));
  }
  const prices = pricesFile;
  return `[audit]\npath = "${path.join(tmp, `${name}.jsonl`)}"\nprices = "${prices}"\n${extra}`;
};
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

// Every chunk of a streamed answer, and the cache header.
async function streamChunks(c, req) {
  const { data, response } = await c.chat.completions.create({ ...req, stream: true }).withResponse();
  const chunks = [];
  for await (const ch of data) chunks.push(ch);
  return { chunks, cache: response.headers.get('x-hearth-cache') };
}
const usageChunks = (chunks) => chunks.filter((c) => c.choices.length === 0 && c.usage);
const textOf = (chunks) => chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');

test('cache: one entry, the usage chunk only to the clients that ask for it (stream_options.include_usage)', async () => {
  const withUsage = { stream_options: { include_usage: true } };
  // Stored by a client that asked: a later client that did not gets no usage chunk.
  const req = { model, messages: [{ role: 'user', content: 'A bird sang' }], temperature: 0, max_tokens: 10 };
  const asked = await streamChunks(client(gw), { ...req, ...withUsage });
  assert.equal(asked.cache, 'miss');
  assert.equal(usageChunks(asked.chunks).length, 1);
  const usage = usageChunks(asked.chunks)[0].usage;
  assert.ok(usage.completion_tokens > 0 && usage.completion_tokens <= 10, JSON.stringify(usage));
  const plain = await streamChunks(client(gw), req);
  assert.equal(plain.cache, 'hit');
  assert.equal(usageChunks(plain.chunks).length, 0);
  assert.ok(plain.chunks.every((c) => c.choices.length === 1));
  assert.equal(textOf(plain.chunks), textOf(asked.chunks));
  const again = await streamChunks(client(gw), { ...req, ...withUsage });
  assert.equal(again.cache, 'hit');
  assert.deepEqual(usageChunks(again.chunks).map((c) => c.usage), [usage]);

  // Stored by a client that did not ask: a later client that asks gets the usage.
  const req2 = { model, messages: [{ role: 'user', content: 'The old tree' }], temperature: 0, max_tokens: 10 };
  const first = await streamChunks(client(gw), req2);
  assert.equal(first.cache, 'miss');
  assert.equal(usageChunks(first.chunks).length, 0, 'the usage the gateway asked the node for is not passed on');
  const later = await streamChunks(client(gw), { ...req2, ...withUsage });
  assert.equal(later.cache, 'hit');
  assert.equal(textOf(later.chunks), textOf(first.chunks));
  assert.equal(usageChunks(later.chunks).length, 1);
  assert.ok(usageChunks(later.chunks)[0].usage.completion_tokens > 0);

  // A JSON answer replayed as a stream: its usage only when asked for.
  const req3 = { model, messages: [{ role: 'user', content: 'A red ball' }], temperature: 0, max_tokens: 10 };
  const json = await client(gw).chat.completions.create(req3);
  const s1 = await streamChunks(client(gw), { ...req3, ...withUsage });
  const s2 = await streamChunks(client(gw), req3);
  assert.deepEqual([s1.cache, s2.cache], ['hit', 'hit']);
  assert.deepEqual(usageChunks(s1.chunks).map((c) => c.usage), [json.usage]);
  assert.equal(usageChunks(s2.chunks).length, 0);
  assert.equal(textOf(s2.chunks), json.choices[0].message.content);
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

  // [upstream] idle_connections = 0 in gateway.toml: nothing is pooled, every request connects.
  const g = await startGateway('nopool', `listen = "127.0.0.1:0"\n${health}` + node('a', nodeA.url) +
    `[upstream]\nidle_connections = 0\nidle_timeout = 2\nworkers = 4\n`);
  for (let i = 0; i < 3; i++) await client(g).chat.completions.create({ model, messages: [{ role: 'user', content: `Yo ${i}` }], max_tokens: 2 });
  assert.deepEqual([await metric(g, reused), await metric(g, fresh)], [0, 3]);
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

// ---- Redis: several gateway replicas share one cache and one set of budgets ----

// A real redis-server on a free loopback port, without persistence; resolves
// to { url, stop } once it accepts connections. Missing redis-server fails
// the test, saying so (`make deps` installs it). The port is free when picked
// but may be taken before redis binds it (by any connection's local port):
// then it tries another, three times in all.
async function startRedis(attempt = 1) {
  try {
    return await startRedisOnce();
  } catch (e) {
    if (attempt >= 3 || /cannot run redis-server/.test(e.message)) throw e;
    return startRedis(attempt + 1);
  }
}

async function startRedisOnce() {
  const probe = await listen(() => {});
  const port = new URL(probe).port;
  await new Promise((r) => servers.pop().close(r)); // free again: redis takes it
  const child = spawn('redis-server', ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--daemonize', 'no', '--dir', tmp], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let log = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${log}`)), 10000);
    child.once('error', (e) => { clearTimeout(timer); reject(new Error(`cannot run redis-server (install Debian's redis-server; make deps does): ${e.message}`)); });
    child.stdout.on('data', (d) => {
      log += d;
      if (/Ready to accept connections/.test(log)) { clearTimeout(timer); resolve(); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited (${code}):\n${log}`)); });
  });
  const stop = () => new Promise((r) => { child.once('exit', r); child.kill('SIGKILL'); });
  return { url: `redis://127.0.0.1:${port}/0`, stop };
}

test('redis cache: two replicas share it (plain and streamed); Redis down: requests still answered, as misses', async () => {
  const redis = await startRedis();
  const conf = `listen = "127.0.0.1:0"\n[cache]\nbackend = "redis"\nurl = "${redis.url}"\ntimeout = 2\n${health}` + node('b', nodeB.url);
  const [gA, gB] = await Promise.all([startGateway('redisA', conf), startGateway('redisB', conf)]);
  const req = { model, messages: [{ role: 'user', content: 'A shared tale' }], temperature: 0, max_tokens: 4 };
  const first = await client(gA).chat.completions.create(req).withResponse();
  assert.equal(first.response.headers.get('x-hearth-cache'), 'miss');
  const second = await client(gB).chat.completions.create(req).withResponse();
  assert.equal(second.response.headers.get('x-hearth-cache'), 'hit');
  assert.equal(second.response.headers.get('x-hearth-upstream'), null, 'answered from the cache, not a node');
  assert.equal(second.data.choices[0].message.content, first.data.choices[0].message.content);

  const sreq = { model, messages: [{ role: 'user', content: 'A shared stream' }], temperature: 0, max_tokens: 6 };
  const s1 = await streamText(client(gB), sreq);
  assert.equal(s1.cache, 'miss');
  assert.ok(s1.chunks > 2 && s1.text.length > 0);
  const s2 = await streamText(client(gA), sreq);
  assert.equal(s2.cache, 'hit');
  assert.equal(s2.text, s1.text);

  await redis.stop();
  const down = { model, messages: [{ role: 'user', content: 'While Redis is down' }], temperature: 0, max_tokens: 4 };
  for (const g of [gA, gB]) {
    const r = await client(g).chat.completions.create(down).withResponse();
    assert.equal(r.response.headers.get('x-hearth-cache'), 'miss');
    assert.ok(r.data.choices[0].message.content.length > 0);
  }
  const s3 = await streamText(client(gB), sreq); // was a hit: Redis is gone, the node answers
  assert.equal(s3.cache, 'miss');
  assert.equal(s3.text, s1.text);
});

test('redis budgets: a cap shared by two replicas stops cloud traffic exactly; Redis down fails closed (503)', async () => {
  const redis = await startRedis();
  // $12 a day at $1 per completion token, 4 tokens per answer: exactly three answers fit, across both replicas.
  const conf = (name) => `listen = "127.0.0.1:0"\n${health}` + burst(`models = { "remote-small" = "gpt-cloud-small" }\n`) +
    `[[routes]]\nmodel = "*"\ncloud = "always"\n` +
    audit(name, `[budgets]\nusd_per_day = 12\nbackend = "redis"\nurl = "${redis.url}"\ntimeout = 2\n`);
  const [gA, gB] = await Promise.all([startGateway('budgetA', conf('budgetA')), startGateway('budgetB', conf('budgetB'))]);
  const ask = (g, content) => client(g).chat.completions.create({ model: 'remote-small', max_tokens: 4,
    messages: [{ role: 'user', content }] });
  const before = cloud.bodies.length;
  const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => ask(i % 2 ? gA : gB, `shared budget ${i}`)));
  const ok = results.filter((r) => r.status === 'fulfilled');
  const refused = results.filter((r) => r.status === 'rejected');
  assert.equal(ok.length, 3, 'exactly the three answers the cap allows');
  for (const r of refused) assert.ok(r.reason.status === 429 && /daily budget/.test(r.reason.message), String(r.reason));
  assert.equal(cloud.bodies.length, before + 3, 'the requests over the cap never reached the cloud');

  await redis.stop();
  await assert.rejects(ask(gA, 'budget store down'),
    (e) => e.status === 503 && /budget could not be checked/.test(e.message) && /budget store is unavailable/.test(e.message));
  assert.equal(cloud.bodies.length, before + 3, 'nothing reached the cloud while the budget store was down');
});

// Keys made by the real CLI: `hearth gateway keys add --json` prints the key once.
function addKey(file, id, ...args) {
  return JSON.parse(execFileSync(binary, ['gateway', 'keys', 'add', '--file', file, '--id', id, ...args, '--json'])).key;
}

test('gateway keys: 401 without a valid key, 403 outside its routes, a budget per key, key ids in the audit and metrics', async () => {
  const file = path.join(tmp, 'keys.json');
  // $8 a day at $1 per completion token and 4 tokens reserved per answer: two answers fit.
  const keyA = addKey(file, 'team-a', '--routes', 'remote-*', '--usd-per-day', '8');
  const keyB = addKey(file, 'team-b');
  const keyLocal = addKey(file, 'locals', '--routes', 'local-*');
  const g = await startGateway('keys', `listen = "127.0.0.1:0"\n${health}` + node('b', nodeB.url) +
    burst(`models = { "remote-small" = "gpt-cloud-small" }\n`) + `[[routes]]\nmodel = "remote-*"\ncloud = "always"\n` +
    audit('keys') + `[keys]\npath = "${file}"\n`);
  const log = path.join(tmp, 'keys.jsonl');
  const as = (apiKey, extra = {}) => new OpenAI({ baseURL: `${g}/v1`, apiKey, maxRetries: 0, ...extra });
  const ask = (apiKey) => as(apiKey).chat.completions.create({ model: 'remote-small', max_tokens: 4,
    messages: [{ role: 'user', content: 'hi' }] });
  const before = cloud.bodies.length;

  // No key at all (the client's Authorization header removed), and a wrong key.
  await assert.rejects(as('unused', { defaultHeaders: { Authorization: null } }).chat.completions.create({
    model: 'remote-small', messages: [{ role: 'user', content: 'hi' }] }),
  (e) => e instanceof OpenAI.AuthenticationError && e.code === 'missing_api_key' && /Authorization: Bearer KEY/.test(e.message));
  await assert.rejects(ask('hk-not-a-key-000000000000000000000'),
    (e) => e instanceof OpenAI.AuthenticationError && e.code === 'invalid_api_key');
  await assert.rejects(new Anthropic({ baseURL: g, apiKey: 'hk-wrong', maxRetries: 0 }).messages.create({
    model, max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }),
  (e) => e instanceof Anthropic.AuthenticationError && e.error?.error?.type === 'authentication_error');
  // A model outside the key's routes.
  await assert.rejects(ask(keyLocal), (e) => e instanceof OpenAI.PermissionDeniedError &&
    /key "locals" may not use model "remote-small"/.test(e.message));
  assert.equal(cloud.bodies.length, before, 'nothing refused reached the cloud');
  // /health and /metrics ask for no key; /v1/models lists what the key may use.
  assert.equal((await fetch(`${g}/health`)).status, 200);
  assert.equal((await fetch(`${g}/v1/models`)).status, 401);
  await until('node b learnt', async () => (await as(keyB).models.list()).data.length > 0);
  assert.deepEqual((await as(keyB).models.list()).data.map((m) => m.id), [model]);
  assert.deepEqual((await as(keyA).models.list()).data.map((m) => m.id), []);
  // The Anthropic client's x-api-key reaches a node.
  const msg = await new Anthropic({ baseURL: g, apiKey: keyB, maxRetries: 0 }).messages.create({
    model, max_tokens: 4, messages: [{ role: 'user', content: 'Hello' }] });
  assert.equal(msg.type, 'message');

  // Separate budgets: team-a is capped after two answers, team-b still passes.
  await ask(keyA);
  await ask(keyA);
  await assert.rejects(ask(keyA), (e) => e.status === 429 && /key "team-a" has reached its daily budget/.test(e.message));
  assert.equal((await ask(keyB)).choices[0].message.content, 'cloud says hi to gpt-cloud-small');
  assert.equal(cloud.bodies.length, before + 3);

  const q = JSON.parse(execFileSync(binary, ['audit', 'query', log, '--json']));
  assert.deepEqual(q.records.map((r) => [r.type, r.key_id]), [['request', 'team-a'], ['completion', 'team-a'],
    ['request', 'team-a'], ['completion', 'team-a'], ['request', 'team-b'], ['completion', 'team-b']]);
  const qa = JSON.parse(execFileSync(binary, ['audit', 'query', log, '--json', '--key', 'team-a']));
  assert.deepEqual(qa.summary, { requests: 2, completions: 2, prompt_tokens: 2, completion_tokens: 8, cost_usd: 8 });
  const m = await (await fetch(`${g}/metrics`)).text();
  assert.match(m, /^hearth_gateway_key_cloud_spend_usd_total\{key="team-a"\} 8$/m);
  assert.match(m, /^hearth_gateway_key_cloud_spend_usd_total\{key="team-b"\} 4$/m);
  assert.match(m, /^hearth_gateway_key_requests_total\{key="team-a"\} 3$/m);
  assert.match(m, /^hearth_gateway_key_refusals_total\{status="401"\} 4$/m);
  assert.match(m, /^hearth_gateway_key_refusals_total\{status="403"\} 1$/m);

  // A streamed cloud answer: the gateway asks for the usage, records the
  // cloud's real counts, and strips the usage chunk the client did not ask for.
  const streamed = async (extra) => {
    const chunks = [];
    for await (const ch of await as(keyB).chat.completions.create({ model: 'remote-small', max_tokens: 16, stream: true,
      messages: [{ role: 'user', content: 'stream it' }], ...extra })) chunks.push(ch);
    return chunks;
  };
  const plain = await streamed({});
  assert.equal(plain.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'cloud says hi to gpt-cloud-small');
  assert.ok(plain.every((c) => c.choices.length === 1), 'no usage-only chunk reached the client');
  assert.deepEqual(cloud.bodies.at(-1).stream_options, { include_usage: true });
  const asked = await streamed({ stream_options: { include_usage: true } });
  assert.deepEqual(asked.at(-1).choices, []);
  assert.equal(asked.at(-1).usage.completion_tokens, 5);
  const done = JSON.parse(execFileSync(binary, ['audit', 'query', log, '--json', '--key', 'team-b'])).records
    .filter((r) => r.type === 'completion');
  assert.deepEqual(done.slice(-2).map((r) => [r.prompt_tokens, r.completion_tokens, r.cost_usd, r.outcome]),
    [[3, 5, 5, 'ok'], [3, 5, 5, 'ok']]);
  const verify = spawnSync(binary, ['audit', 'verify', log]);
  assert.equal(verify.status, 0, String(verify.stdout));
});

test('gateway keys: `keys add|remove` on a running gateway take effect within ~1 s, budget included; a broken file keeps the keys', async () => {
  const file = path.join(tmp, 'reload-keys.json');
  const first = addKey(file, 'first');
  const g = await startGateway('reload', `listen = "127.0.0.1:0"\n${health}` + node('b', nodeB.url) +
    burst(`models = { "remote-small" = "gpt-cloud-small" }\n`) + `[[routes]]\nmodel = "remote-*"\ncloud = "always"\n` +
    audit('reload') + `[keys]\npath = "${file}"\n`);
  const ask = (apiKey) => new OpenAI({ baseURL: `${g}/v1`, apiKey, maxRetries: 0 }).chat.completions.create({
    model: 'remote-small', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] });
  const status = (apiKey) => ask(apiKey).then(() => 200, (e) => e.status);
  assert.equal(await status(first), 200);

  // $4 a day at $1 per completion token, 4 reserved per answer: one answer fits.
  const added = addKey(file, 'added', '--usd-per-day', '4');
  const t0 = Date.now();
  await until('the added key works', async () => (await status(added)) === 200, 5000);
  const took = Date.now() - t0;
  assert.ok(took < 2500, `the new key took ${took} ms`);
  assert.equal(await status(added), 429, 'the added key came with its budget');

  execFileSync(binary, ['gateway', 'keys', 'remove', '--file', file, '--id', 'first']);
  await until('the removed key is refused', async () => (await status(first)) === 401, 5000);

  // A broken key file: the keys in force stay (and the gateway says why).
  const good = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, '{"keys": [ broken');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await status(first), 401);
  assert.equal(await status(added), 429);
  fs.writeFileSync(file, good);
});

test('node API keys: api_key_env sends Authorization: Bearer to the node and its health checks', async () => {
  const NODE_KEY = 'node-secret-key-123';
  const keyed = await startServer(['--api-key', NODE_KEY]);
  try {
    assert.equal((await fetch(`${keyed.url}/v1/models`)).status, 401, 'the node itself demands its key');
    const g = await startGateway('nodekey', `listen = "127.0.0.1:0"\n${health}` + node('k', keyed.url) +
      'api_key_env = "NODE_KEY"\n', { NODE_KEY });
    await until('the keyed node is healthy', async () => (await (await fetch(`${g}/health`)).json()).nodes[0].healthy);
    const r = await client(g).chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 }).withResponse();
    assert.equal(r.response.headers.get('x-hearth-upstream'), 'k');
    assert.ok(r.data.choices[0].message.content.length > 0);
    assert.deepEqual((await client(g).models.list()).data.map((m) => m.id), [model], 'models learnt with the key');

    // The same node without the key in the config: its health checks fail, requests get no upstream.
    const bare = await startGateway('nodekey-bare', `listen = "127.0.0.1:0"\n${health}` + node('k', keyed.url));
    await until('the node is marked down', async () => !(await (await fetch(`${bare}/health`)).json()).nodes[0].healthy);
    await assert.rejects(client(bare).chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 }),
      (e) => e.status === 503 || e.status === 502);
  } finally {
    await keyed.stop();
  }
});

test('cloud policy on_overload: the cloud while the node is at max_in_flight, the node below it', async () => {
  const long = await startSlowNode(100); // streams for 5 s unless its client goes away
  const g = await startGateway('overload', `listen = "127.0.0.1:0"\n${health}` + node('s', long) + 'max_in_flight = 1\n' +
    burst(`models = { "slow-model" = "gpt-cloud-small" }\n`) + `[[routes]]\nmodel = "*"\ncloud = "on_overload"\n` +
    audit('overload'));
  const post = (stream) => fetch(`${g}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow-model', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }], stream }),
  });
  const outstanding = async () => (await (await fetch(`${g}/health`)).json()).nodes[0].outstanding;
  const before = cloud.seen.length;
  const busy = await post(true);
  assert.equal(busy.headers.get('x-hearth-upstream'), 's');
  assert.equal(await outstanding(), 1);
  const over = await post(false);
  assert.equal(over.headers.get('x-hearth-upstream'), 'burst');
  assert.equal((await over.json()).choices[0].message.content, 'cloud says hi to gpt-cloud-small');
  await busy.body.cancel(); // the client goes away: the gateway lets go of the node
  await until('the node is free', async () => (await outstanding()) === 0);
  const below = await post(true);
  assert.equal(below.headers.get('x-hearth-upstream'), 's');
  await below.body.cancel();
  assert.equal(cloud.seen.length, before + 1, 'only the request over max_in_flight went to the cloud');
});
