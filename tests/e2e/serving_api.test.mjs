// `hearth serve`: /metrics (Prometheus text), /tokenize and /detokenize (as
// llama-server documents them) and n > 1 choices through the official
// `openai` client, against the built-in stories260K model. Tests in this
// file run one after another, so counters move only by what a test sends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer } from './server.mjs';

let server;
let client;
const model = 'stories260K';

before(async () => {
  server = await startServer(['--ctx', '1024', '--parallel', '8']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => { await server?.stop(); });

const post = async (path, body) => {
  const r = await fetch(`${server.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
};

// Parses the exposition text: { 'name{labels}': value }, checking each line's syntax.
async function scrape() {
  const r = await fetch(`${server.url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const samples = {};
  for (const line of (await r.text()).split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/);
    assert.ok(m, `not a sample line: ${line}`);
    samples[m[1]] = Number(m[2]);
    assert.ok(!Number.isNaN(samples[m[1]]), line);
  }
  return samples;
}
const M = `{model="${model}"}`;

test('/metrics: request, token and latency counters move by what one chat request did', async () => {
  const before = await scrape();
  const route = 'hearth_http_requests_total{route="/v1/chat/completions",status="200"}';
  const r = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: 'Tell me a story.' }], max_tokens: 20, seed: 4, temperature: 0.8,
  });
  const after = await scrape();
  assert.equal((after[route] ?? 0) - (before[route] ?? 0), 1);
  assert.equal(after[`hearth_prompt_tokens_total${M}`] - before[`hearth_prompt_tokens_total${M}`], r.usage.prompt_tokens);
  assert.equal(after[`hearth_generated_tokens_total${M}`] - before[`hearth_generated_tokens_total${M}`], r.usage.completion_tokens);
  const ttft = 'hearth_time_to_first_token_seconds_count' + M;
  const itl = 'hearth_inter_token_latency_seconds_count' + M;
  assert.equal(after[ttft] - before[ttft], 1);
  assert.equal(after[itl] - before[itl], r.usage.completion_tokens - 1);
  assert.ok(after['hearth_time_to_first_token_seconds_sum' + M] > before['hearth_time_to_first_token_seconds_sum' + M]);
  assert.equal(after[`hearth_kv_cells_total${M}`], 1024);
  assert.equal(after[`hearth_kv_cells_used${M}`], 0);
  assert.equal(after[`hearth_running_sequences${M}`], 0);
  assert.equal(after[`hearth_queue_depth${M}`], 0);
  assert.ok(after[`hearth_model_load_seconds${M}`] > 0);
  // An error is counted with its status; the scrape itself too.
  await assert.rejects(client.chat.completions.create({ model, messages: [] }));
  const last = await scrape();
  assert.equal(last['hearth_http_requests_total{route="/v1/chat/completions",status="400"}'], 1);
  assert.ok(last['hearth_http_requests_total{route="/metrics",status="200"}'] >= 2);
});

test('/tokenize and /detokenize round-trip, with pieces and special tokens', async () => {
  const text = 'Once upon a time, there was a cat.';
  const t = await post('/tokenize', { content: text });
  assert.equal(t.status, 200);
  assert.ok(t.json.tokens.length > 3 && t.json.tokens.every(Number.isInteger));
  const withBos = await post('/tokenize', { content: text, add_special: true });
  assert.equal(withBos.json.tokens.length, t.json.tokens.length + 1, 'BOS added');
  const pieces = await post('/tokenize', { content: text, with_pieces: true });
  assert.deepEqual(pieces.json.tokens.map((p) => p.id), t.json.tokens);
  assert.ok(pieces.json.tokens.every((p) => typeof p.piece === 'string' || Array.isArray(p.piece)));
  assert.equal((await post('/detokenize', { tokens: t.json.tokens })).json.content, text);
  // The prompt the completions endpoint counts is the tokenizer's (with BOS).
  const c = await client.completions.create({ model, prompt: text, max_tokens: 1 });
  assert.equal(c.usage.prompt_tokens, withBos.json.tokens.length);
  const bad = await post('/detokenize', { tokens: [1, 512] });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /512.*0\.\.511/);
  assert.equal((await post('/detokenize', { tokens: [-3] })).status, 400);
  assert.equal((await post('/tokenize', { text })).status, 400, 'content is required');
});

test('n > 1: choices 0..n-1, choice i equals the single request seeded seed + i, usage sums', async () => {
  const req = { model, messages: [{ role: 'user', content: 'A story about a dog.' }], max_tokens: 24, temperature: 1.0, seed: 100 };
  const r = await client.chat.completions.create({ ...req, n: 4 });
  assert.deepEqual(r.choices.map((c) => c.index), [0, 1, 2, 3]);
  let completion = 0;
  for (let i = 0; i < 4; i++) {
    const one = await client.chat.completions.create({ ...req, seed: 100 + i });
    assert.equal(r.choices[i].message.content, one.choices[0].message.content, `choice ${i}`);
    assert.equal(r.choices[i].finish_reason, one.choices[0].finish_reason);
    completion += one.usage.completion_tokens;
    assert.equal(r.usage.prompt_tokens, one.usage.prompt_tokens, 'the prompt counts once');
  }
  assert.equal(r.usage.completion_tokens, completion);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + completion);
  assert.ok(new Set(r.choices.map((c) => c.message.content)).size > 1, 'different seeds, different stories');

  // Streamed: each chunk carries its choice's index; per-index text equals the non-streamed choice.
  const stream = await client.chat.completions.create({ ...req, n: 4, stream: true, stream_options: { include_usage: true } });
  const texts = ['', '', '', ''];
  const finishes = [null, null, null, null];
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      texts[c.index] += c.delta?.content ?? '';
      if (c.finish_reason) finishes[c.index] = c.finish_reason;
    }
  }
  assert.deepEqual(texts, r.choices.map((c) => c.message.content));
  assert.deepEqual(finishes, r.choices.map((c) => c.finish_reason));
  // The same counts (how much of the prompt the prefix cache served differs:
  // the first request warmed it).
  const counts = ({ prompt_tokens, completion_tokens, total_tokens }) => ({ prompt_tokens, completion_tokens, total_tokens });
  assert.deepEqual(counts(usage), counts(r.usage));

  // Completions too, and the context check counts all n.
  const comp = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 10, seed: 7, n: 3 });
  assert.deepEqual(comp.choices.map((c) => c.index), [0, 1, 2]);
  await assert.rejects(client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 100, n: 16 }), (e) => {
    assert.equal(e.status, 400);
    assert.equal(e.code, 'context_length_exceeded');
    assert.match(e.error.message, /1024/);
    assert.match(e.error.message, /16 choices/);
    return true;
  });
  await assert.rejects(client.completions.create({ model, prompt: 'x', n: 17 }), (e) => e.status === 400);
});
