// `hearth serve` driven by the official OpenAI npm client (and plain fetch
// for what the client cannot send: bad JSON, oversize bodies).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, runHearth, modelPath, tinyModelPath } from './server.mjs';

let server;
let client;
const model = 'stories260K';

before(async () => {
  server = await startServer(['--ctx', '2048', '--parallel', '8']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => { await server?.stop(); });

const chatReq = (seed, extra = {}) => ({
  model,
  messages: [{ role: 'user', content: 'Tell me a story about a cat.' }],
  max_tokens: 40,
  temperature: 0.9,
  seed,
  ...extra,
});

async function streamChat(req, signal) {
  const stream = await client.chat.completions.create({ ...req, stream: true, stream_options: { include_usage: true } }, { signal });
  let text = '';
  let finish = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta?.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { text, finish, usage, chunks };
}

test('lists the served model and accepts it by id or path', async () => {
  const list = await client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), [model]);
  const r = await client.chat.completions.create({ ...chatReq(1), model: modelPath, max_tokens: 3 });
  assert.equal(r.model, model);
});

test('non-streaming chat completion with exact usage', async () => {
  const r = await client.chat.completions.create(chatReq(42));
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.ok(r.choices[0].message.content.length > 0);
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  assert.ok(r.usage.prompt_tokens > 5);
  assert.ok(r.usage.completion_tokens >= 1 && r.usage.completion_tokens <= 40);
  if (r.choices[0].finish_reason === 'length') assert.equal(r.usage.completion_tokens, 40);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
});

test('streamed chunks concatenate to the non-streamed text (same seed), usage included', async () => {
  const whole = await client.chat.completions.create(chatReq(7));
  const s = await streamChat(chatReq(7));
  assert.equal(s.text, whole.choices[0].message.content);
  assert.equal(s.finish, whole.choices[0].finish_reason);
  assert.deepEqual(s.usage, whole.usage);
  assert.ok(s.chunks > 3);
});

test('completions, streamed and not, agree', async () => {
  const req = { model, prompt: 'Once upon a time', max_tokens: 30, temperature: 0.8, seed: 3 };
  const r = await client.completions.create(req);
  assert.equal(r.object, 'text_completion');
  assert.ok(r.choices[0].text.length > 0);
  const stream = await client.completions.create({ ...req, stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
  assert.equal(text, r.choices[0].text);
});

test('seed reproducibility: same seed same text, other seed other text', async () => {
  const a = await client.chat.completions.create(chatReq(1234, { temperature: 1.0 }));
  const b = await client.chat.completions.create(chatReq(1234, { temperature: 1.0 }));
  const c = await client.chat.completions.create(chatReq(4321, { temperature: 1.0 }));
  assert.equal(a.choices[0].message.content, b.choices[0].message.content);
  assert.notEqual(a.choices[0].message.content, c.choices[0].message.content);
});

test('stop strings end the text just before the stop string', async () => {
  const req = { model, prompt: 'Once upon a time', max_tokens: 40, temperature: 0.8, seed: 5 };
  const free = (await client.completions.create(req)).choices[0].text;
  const stop = free.slice(Math.floor(free.length / 2), Math.floor(free.length / 2) + 3);
  assert.equal(stop.length, 3);
  const r = await client.completions.create({ ...req, stop: [stop, 'zzzz-never'] });
  assert.equal(r.choices[0].text, free.slice(0, free.indexOf(stop)));
  assert.equal(r.choices[0].finish_reason, 'stop');
  const s = await streamChat({ ...chatReq(9), stop: 'the' });
  assert.ok(!s.text.includes('the'));
});

test('logprobs: one entry per generated token, with alternatives', async () => {
  const r = await client.chat.completions.create(chatReq(11, { logprobs: true, top_logprobs: 3, max_tokens: 12 }));
  const content = r.choices[0].logprobs.content;
  assert.equal(content.length, r.usage.completion_tokens);
  for (const e of content) {
    assert.ok(e.logprob <= 0);
    assert.equal(e.top_logprobs.length, 3);
    assert.ok(e.top_logprobs[0].logprob >= e.logprob - 1e-6, 'the best alternative is at least as likely');
    assert.deepEqual(e.bytes, [...Buffer.from(e.token)]);
  }
  const c = await client.completions.create({ model, prompt: 'Once', max_tokens: 5, logprobs: 2, seed: 1 });
  assert.equal(c.choices[0].logprobs.tokens.length, c.usage.completion_tokens);
});

test('8 concurrent streaming clients each get the text they get alone', async () => {
  const reqs = Array.from({ length: 8 }, (_, i) => chatReq(100 + i, {
    messages: [{ role: 'user', content: `Story number ${i}: a dog, a ball and ${'a tree '.repeat(i)}` }],
    max_tokens: 32,
  }));
  const alone = [];
  for (const r of reqs) alone.push(await streamChat(r));
  const together = await Promise.all(reqs.map((r) => streamChat(r)));
  for (let i = 0; i < 8; i++) {
    assert.equal(together[i].text, alone[i].text, `client ${i}`);
    // Counts are exact; prompt_tokens_details.cached_tokens may differ (the
    // alone runs warmed the prefix cache).
    const counts = ({ prompt_tokens, completion_tokens, total_tokens }) => ({ prompt_tokens, completion_tokens, total_tokens });
    assert.deepEqual(counts(together[i].usage), counts(alone[i].usage), `client ${i}`);
  }
});

test('a client that disconnects mid-stream cancels its sequence and frees its KV cells', async () => {
  // A random-weight model never emits EOS, so the sequence is still running
  // when the client leaves (stories260K may finish its story first).
  const tiny = await startServer(['--ctx', '1024'], tinyModelPath);
  try {
    const health = async () => (await fetch(`${tiny.url}/health`)).json();
    const tc = new OpenAI({ baseURL: `${tiny.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await tc.completions.create({ model: 'tiny-llama-Q8_0', prompt: 'Hello', max_tokens: 1000, seed: 1, stream: true });
    let n = 0;
    for await (const _ of stream) { if (++n === 3) break; }  // leaving the loop aborts the request
    let h;
    for (let i = 0; i < 200; i++) {
      h = await health();
      if (h.running === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(h.cancelled, 1, 'the sequence ended by cancellation, not by running to max_tokens');
    assert.equal(h.running, 0);
    assert.equal(h.kv_cells_used, 0);
  } finally {
    await tiny.stop();
  }
});

async function expectError(promise, status, code) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.status, status, e.message);
    if (code) assert.equal(e.code, code);
    assert.equal(typeof e.error?.message, 'string');
    return true;
  });
}

test('errors: unknown model 404, context overflow 400, n over 16 400, bad field 400', async () => {
  await expectError(client.chat.completions.create({ ...chatReq(1), model: 'no-such-model' }), 404, 'model_not_found');
  await expectError(client.chat.completions.create(chatReq(1, { max_tokens: 5000 })), 400, 'context_length_exceeded');
  try {
    await client.chat.completions.create(chatReq(1, { max_tokens: 5000 }));
  } catch (e) {
    assert.match(e.error.message, /5\d\d\d/, 'the message gives the tokens needed');
    assert.match(e.error.message, /2048/, 'and the context size');
  }
  await expectError(client.chat.completions.create(chatReq(1, { n: 17 })), 400);  // over the cap of 16
  await expectError(client.chat.completions.create(chatReq(1, { temperature: 'hot' })), 400);
});

test('errors: malformed JSON 400 and oversize body 413, in OpenAI shape', async () => {
  const bad = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": "stories260K", "messages": [',
  });
  assert.equal(bad.status, 400);
  const badBody = await bad.json();
  assert.equal(badBody.error.type, 'invalid_request_error');
  assert.ok('param' in badBody.error && 'code' in badBody.error);

  const huge = JSON.stringify({ model, prompt: 'x'.repeat(9 << 20) });
  const big = await fetch(`${server.url}/v1/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: huge,
  });
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error.code, 'request_too_large');

  const missing = await fetch(`${server.url}/v1/nothing`);
  assert.equal(missing.status, 404);
});

test('API key: wrong or missing key 401, Bearer and x-api-key accepted', async () => {
  const keyed = await startServer(['--api-key', 'sesame', '--ctx', '256']);
  try {
    const wrong = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'nope', maxRetries: 0 });
    await expectError(wrong.models.list(), 401, 'invalid_api_key');
    const right = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'sesame', maxRetries: 0 });
    assert.equal((await right.models.list()).data[0].id, model);
    const viaHeader = await fetch(`${keyed.url}/v1/models`, { headers: { 'x-api-key': 'sesame' } });
    assert.equal(viaHeader.status, 200);
    const none = await fetch(`${keyed.url}/v1/models`);
    assert.equal(none.status, 401);
  } finally {
    await keyed.stop();
  }
});

test('a non-loopback address needs --api-key or --no-auth', async () => {
  const r = await runHearth(['serve', modelPath, '--host', '0.0.0.0', '--port', '0']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--api-key/);
});
