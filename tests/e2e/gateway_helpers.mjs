// Helpers shared by the gateway e2e tests (gateway.test.mjs, gateway_tls.test.mjs):
// a fake OpenAI-compatible cloud, `hearth gateway` started on a config, the
// openai client, metrics and polling.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { binary } from './server.mjs';

// The key the fake cloud demands; gateways get it in BURST_KEY.
export const CLOUD_KEY = 'cloud-secret-key';

// Starts `server` (http or https) on a free loopback port, remembered in
// `list` (to close at the end); resolves to its port.
export function listenOn(server, list) {
  list.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

export function readBody(req) {
  return new Promise((resolve) => {
    let b = '';
    req.on('data', (d) => { b += d; });
    req.on('end', () => resolve(b));
  });
}

// The fake cloud's request handler: OpenAI-shaped answers, 401 without its
// key; records what it was asked (seen: path and model; bodies: every body
// as it arrived).
export function fakeCloud() {
  const seen = [];
  const bodies = [];
  const handler = async (req, res) => {
    const body = await readBody(req);
    if (req.headers.authorization !== `Bearer ${CLOUD_KEY}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'bad key', type: 'auth' } }));
    }
    const j = JSON.parse(body);
    seen.push({ path: req.url, model: j.model });
    bodies.push(j);
    if (j.stream) return streamAnswer(res, j);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      id: 'cloud-1', object: 'chat.completion', created: 1, model: j.model,
      choices: [{ index: 0, message: { role: 'assistant', content: `cloud says hi to ${j.model}` }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1, completion_tokens: 4, total_tokens: 5 },
    }));
  };
  return { seen, bodies, handler };
}

// The fake cloud's stream, as OpenAI sends one: content chunks, a chunk with
// the finish reason, then — only when asked with stream_options.include_usage —
// "usage": null on those and one more chunk with "choices": [] and the usage
// of the whole answer (3 prompt and 5 completion tokens), then [DONE].
export function streamAnswer(res, j) {
  const withUsage = j.stream_options?.include_usage === true;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunk = (choices, extra = {}) => `data: ${JSON.stringify({ id: 'cloud-s', object: 'chat.completion.chunk',
    created: 1, model: j.model, choices, ...(withUsage ? { usage: null } : {}), ...extra })}\n\n`;
  for (const part of ['cloud says ', 'hi to ', j.model]) res.write(chunk([{ index: 0, delta: { content: part }, finish_reason: null }]));
  res.write(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
  if (withUsage) res.write(chunk([], { usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } }));
  res.end('data: [DONE]\n\n');
}

// Starts `hearth gateway` on a config written to dir/name.toml, with `env` added
// to its environment (the child is
// pushed onto `procs`, to kill at the end); resolves to its URL once it
// listens, and `log` holds its stderr (the start line, warnings).
export function launchGateway({ dir, procs }, name, toml, env = {}) {
  const file = path.join(dir, `${name}.toml`);
  fs.writeFileSync(file, toml);
  const child = spawn(binary, ['gateway', '--config', file], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BURST_KEY: CLOUD_KEY, ...env },
  });
  procs.push(child);
  let log = '';
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${log}`)), 10000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/listening on (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`gateway exited (${code}):\n${log}`)); });
  });
  started.log = () => log;
  return started;
}

export const client = (url) => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });

export async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

export async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
