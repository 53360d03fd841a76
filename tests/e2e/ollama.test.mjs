// `hearth serve` driven by the official Ollama npm client (ollama), plus
// plain fetch for what the client cannot send (bad JSON, no stream field).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import { startServer, tokenCount, tinyModelPath } from './server.mjs';

let server;
let ollama;
const model = 'stories260K';

before(async () => {
  server = await startServer(['--ctx', '2048', '--parallel', '4']);
  ollama = new Ollama({ host: server.url });
});
after(async () => { await server?.stop(); });

const gen = (extra = {}, options = {}) => ({
  model,
  prompt: 'Once upon a time',
  ...extra,
  options: { num_predict: 40, temperature: 0.9, seed: 7, ...options },
});
const chat = (extra = {}, options = {}) => ({
  model,
  messages: [{ role: 'system', content: 'You tell stories.' }, { role: 'user', content: 'Tell me about a dog.' }],
  ...extra,
  options: { num_predict: 40, temperature: 0.9, seed: 11, ...options },
});

function checkFinal(r, numPredict) {
  assert.equal(r.done, true);
  assert.ok(['stop', 'length'].includes(r.done_reason));
  if (r.done_reason === 'length') assert.equal(r.eval_count, numPredict);
  assert.ok(r.eval_count >= 1 && r.eval_count <= numPredict);
  for (const k of ['total_duration', 'prompt_eval_duration', 'eval_duration']) assert.ok(r[k] > 0, k);
  assert.equal(r.load_duration, 0);
  assert.ok(r.total_duration >= r.prompt_eval_duration + r.eval_duration);
  assert.ok(!Number.isNaN(Date.parse(r.created_at)));
}

test('generate, not streamed: text, exact counts, durations', async () => {
  const r = await ollama.generate(gen());
  assert.equal(r.model, model);
  assert.ok(r.response.length > 0);
  checkFinal(r, 40);
  assert.equal(r.prompt_eval_count, await tokenCount('Once upon a time'));  // no chat template: the prompt as is
});

test('generate, streamed: the parts concatenate to the same text (same seed)', async () => {
  const whole = await ollama.generate(gen());
  let text = '';
  let last;
  let parts = 0;
  for await (const part of await ollama.generate({ ...gen(), stream: true })) {
    parts++;
    text += part.response;
    last = part;
  }
  assert.ok(parts > 3);
  assert.equal(text, whole.response);
  checkFinal(last, 40);
  assert.equal(last.eval_count, whole.eval_count);
  assert.equal(last.prompt_eval_count, whole.prompt_eval_count);
});

test('chat, streamed and not, agree; prompt counts are exact', async () => {
  const whole = await ollama.chat(chat());
  assert.equal(whole.message.role, 'assistant');
  assert.ok(whole.message.content.length > 0);
  checkFinal(whole, 40);
  assert.equal(whole.prompt_eval_count, await tokenCount('System: You tell stories.\nUser: Tell me about a dog.\nAssistant:'));
  let text = '';
  let last;
  for await (const part of await ollama.chat({ ...chat(), stream: true })) {
    text += part.message.content;
    last = part;
  }
  assert.equal(text, whole.message.content);
  assert.equal(last.eval_count, whole.eval_count);
});

test('streaming is the default without a stream field (NDJSON)', async () => {
  const r = await fetch(`${server.url}/api/generate`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, prompt: 'Once', options: { num_predict: 5, seed: 1 } }),
  });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /application\/x-ndjson/);
  const lines = (await r.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.length >= 2);
  assert.ok(lines.slice(0, -1).every((l) => l.done === false));
  assert.equal(lines.at(-1).done, true);
});

test('seed reproducibility: same seed same text, other seed other text', async () => {
  const a = await ollama.generate(gen({}, { seed: 1234, temperature: 1.0 }));
  const b = await ollama.generate(gen({}, { seed: 1234, temperature: 1.0 }));
  const c = await ollama.generate(gen({}, { seed: 4321, temperature: 1.0 }));
  assert.equal(a.response, b.response);
  assert.notEqual(a.response, c.response);
  const together = await Promise.all([1, 2, 3].map(() => ollama.chat(chat({}, { seed: 99 }))));
  const alone = await ollama.chat(chat({}, { seed: 99 }));
  for (const t of together) assert.equal(t.message.content, alone.message.content);
});

test('stop strings end the text just before them', async () => {
  const free = (await ollama.generate(gen())).response;
  const stop = free.slice(Math.floor(free.length / 2), Math.floor(free.length / 2) + 3);
  assert.equal(stop.length, 3);
  const r = await ollama.generate(gen({}, { stop: [stop, 'zz-never'] }));
  assert.equal(r.response, free.slice(0, free.indexOf(stop)));
  assert.equal(r.done_reason, 'stop');
});

test('num_ctx: over it is a 400 with both numbers, never a truncation; without num_predict it bounds the reply', async () => {
  const n = await tokenCount('Once upon a time');
  await assert.rejects(ollama.generate(gen({}, { num_ctx: 20, num_predict: 30 })), (e) => {
    assert.equal(e.status_code, 400);
    assert.match(e.error, new RegExp(`needs ${n + 30} tokens.*num_ctx is 20`));
    return true;
  });
  await assert.rejects(ollama.generate(gen({}, { num_predict: 5000 })), (e) => {
    assert.equal(e.status_code, 400);
    assert.match(e.error, /5\d\d\d.*2048/);
    return true;
  });
  const r = await ollama.generate(gen({}, { num_ctx: 16, num_predict: undefined, seed: 3 }));
  assert.equal(r.done_reason, 'length');
  assert.equal(r.prompt_eval_count + r.eval_count, 16);
});

test('options are type-checked: a bad one is a 400 naming it', async () => {
  for (const [options, field] of [[{ top_k: 'x' }, 'options.top_k'], [{ temperature: -1 }, 'options.temperature'],
    [{ mirostat: 2 }, 'options.mirostat'], [{ stop: 3 }, 'options.stop'], [{ num_predict: 0 }, 'options.num_predict']]) {
    await assert.rejects(ollama.generate(gen({}, options)), (e) => {
      assert.equal(e.status_code, 400, JSON.stringify(options));
      assert.ok(e.error.includes(field), e.error);
      return true;
    });
  }
  await assert.rejects(ollama.generate(gen({ format: 'xml' })), (e) => e.status_code === 400 && /format/.test(e.error));
});

test('format: "json" answers with one JSON object (JSON mode)', async () => {
  for (const seed of [1, 2, 3]) {
    const r = await ollama.generate({ model, prompt: 'Once upon a time', format: 'json', stream: false,
                                      options: { seed, num_predict: 48 } });
    const value = JSON.parse(r.response);
    assert.equal(typeof value, 'object');
    assert.ok(value !== null && !Array.isArray(value), r.response);
    assert.equal(r.done_reason, 'stop');
  }
});

test('keep_alive is validated and reported by /api/ps', async () => {
  await ollama.generate({ model, prompt: '', keep_alive: '1h' });  // load only
  const ps = await ollama.ps();
  assert.equal(ps.models.length, 1);
  assert.equal(ps.models[0].name, model);
  const due = Date.parse(ps.models[0].expires_at) - Date.now();
  assert.ok(due > 59 * 60e3 && due <= 60 * 60e3, `expires in ${due} ms`);
  await ollama.generate({ ...gen({}, { num_predict: 2 }), keep_alive: 90 });
  const due2 = Date.parse((await ollama.ps()).models[0].expires_at) - Date.now();
  assert.ok(due2 > 80e3 && due2 <= 90e3, `expires in ${due2} ms`);
  await assert.rejects(ollama.generate({ ...gen(), keep_alive: 'soon' }), (e) => e.status_code === 400 && /keep_alive/.test(e.error));
});

test('tags, show and version describe the served model', async () => {
  const tags = await ollama.list();
  assert.deepEqual(tags.models.map((m) => m.name), [model]);
  assert.equal(tags.models[0].details.format, 'gguf');
  assert.equal(tags.models[0].details.family, 'llama');
  assert.ok(tags.models[0].size > 1e6);
  const show = await ollama.show({ model: `${model}:latest` });  // the default tag names the same model
  assert.equal(show.model_info['general.architecture'], 'llama');
  assert.equal(show.details.family, 'llama');
  assert.equal(typeof (await ollama.version()).version, 'string');
});

test('errors: unknown model 404, malformed JSON 400, oversize body 413, wrong key 401, all as {"error": ...}', async () => {
  await assert.rejects(ollama.generate(gen({ model: 'llama3.2' })), (e) => e.status_code === 404 && /llama3\.2/.test(e.error));
  await assert.rejects(ollama.show({ model: 'llama3.2' }), (e) => e.status_code === 404);
  const bad = await fetch(`${server.url}/api/chat`, { method: 'POST', body: '{"model": "stories260K", "messages": [' });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error, /not valid JSON/);
  const big = await fetch(`${server.url}/api/generate`, { method: 'POST', body: JSON.stringify({ model, prompt: 'x'.repeat(9 << 20) }) });
  assert.equal(big.status, 413);
  assert.match((await big.json()).error, /larger than the limit/);

  const keyed = await startServer(['--api-key', 'sesame', '--ctx', '256']);
  try {
    const wrong = new Ollama({ host: keyed.url, headers: { Authorization: 'Bearer nope' } });
    await assert.rejects(wrong.list(), (e) => e.status_code === 401 && /API key/.test(e.error));
    const right = new Ollama({ host: keyed.url, headers: { Authorization: 'Bearer sesame' } });
    assert.equal((await right.list()).models[0].name, model);
  } finally {
    await keyed.stop();
  }
});

test('aborting a stream cancels its sequence and frees its KV cells', async () => {
  // A random-weight model never ends a generation by itself.
  const tiny = await startServer(['--ctx', '1024'], tinyModelPath);
  try {
    const client = new Ollama({ host: tiny.url });
    const stream = await client.generate({ model: 'tiny-llama-Q8_0', prompt: 'Hello', stream: true, options: { num_predict: 1000, seed: 1 } });
    let n = 0;
    try {
      for await (const _ of stream) { if (++n === 3) stream.abort(); }
    } catch (e) {
      assert.equal(e.name, 'AbortError');
    }
    let h;
    for (let i = 0; i < 200; i++) {
      h = await (await fetch(`${tiny.url}/health`)).json();
      if (h.running === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(h.cancelled, 1, 'ended by cancellation, not by running to num_predict');
    assert.equal(h.kv_cells_used, 0);
  } finally {
    await tiny.stop();
  }
});
