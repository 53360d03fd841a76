// Many models behind one endpoint, driven by the official `openai` client:
// `hearth serve --models-dir D` lists every model in D, loads each on first
// use by name, finds files copied in later, unloads the least recently used
// past --max-models, and answers an unknown model with 404 naming the others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { Ollama } from 'ollama';
import { startServer } from './server.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-models-'));
let server;
let client;

const health = async () => (await fetch(`${server.url}/health`)).json();
const loadedIds = async () => (await health()).models.map((m) => m.id).sort();

before(async () => {
  fs.copyFileSync(path.join(repo, 'tests/data/tiny/tiny-llama-Q8_0.gguf'), path.join(dir, 'llama.gguf'));
  fs.copyFileSync(path.join(repo, 'tests/data/tiny/tiny-qwen2-Q8_0.gguf'), path.join(dir, 'qwen.gguf'));
  server = await startServer(['--models-dir', dir, '--max-models', '2', '--ctx', '256'], null);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('lists every model in --models-dir before any is loaded', async () => {
  const list = await client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), ['llama', 'qwen']);
  for (const m of list.data) {
    assert.equal(m.object, 'model');
    assert.equal(typeof m.created, 'number');
  }
  assert.deepEqual(await loadedIds(), []);
});

test('chats with each model by name, loading it on first use', async () => {
  const r = await client.chat.completions.create({
    model: 'llama', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 4, seed: 1,
  });
  assert.equal(r.model, 'llama');
  assert.equal(r.usage.completion_tokens, 4);
  assert.equal(r.choices[0].finish_reason, 'length');
  assert.deepEqual(await loadedIds(), ['llama']);

  // The first request to qwen streams while qwen loads.
  const stream = await client.chat.completions.create({
    model: 'qwen', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 5, seed: 1, stream: true,
    stream_options: { include_usage: true },
  });
  let usage;
  const models = new Set();
  for await (const chunk of stream) {
    models.add(chunk.model);
    if (chunk.usage) usage = chunk.usage;
  }
  assert.deepEqual([...models], ['qwen']);
  assert.equal(usage.completion_tokens, 5);
  assert.deepEqual(await loadedIds(), ['llama', 'qwen']);
  const h = await health();
  for (const m of h.models) {
    assert.equal(m.kv_cells, 256, '--ctx applies to every model');
    assert.equal(m.requests, 0, 'no request holds a model once it is answered');
  }
});

test('a model copied in later is served; past --max-models the least recently used is unloaded', async () => {
  fs.copyFileSync(path.join(repo, 'models/stories260K.gguf'), path.join(dir, 'stories.gguf'));
  const list = await client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), ['llama', 'qwen', 'stories']);
  const c = await client.completions.create({ model: 'stories', prompt: 'Once upon a time', max_tokens: 3, seed: 2 });
  assert.equal(c.model, 'stories');
  assert.equal(c.usage.completion_tokens, 3);
  assert.deepEqual(await loadedIds(), ['qwen', 'stories'], 'llama, used least recently, made room');
  // And llama comes back on demand.
  const r = await client.completions.create({ model: 'llama', prompt: 'Hi', max_tokens: 2, seed: 2 });
  assert.equal(r.model, 'llama');
  assert.deepEqual(await loadedIds(), ['llama', 'stories']);
});

test('Ollama load_duration is the time a request waited for its model to load, 0 once it is loaded', async () => {
  fs.copyFileSync(path.join(repo, 'tests/data/tiny/tiny-qwen2-Q8_0.gguf'), path.join(dir, 'fresh.gguf'));
  const ollama = new Ollama({ host: server.url });
  const first = await ollama.generate({ model: 'fresh', prompt: 'Hello', options: { num_predict: 2, seed: 1 } });
  assert.ok(first.load_duration > 0, `the first request loaded the model: ${first.load_duration} ns`);
  assert.ok(first.total_duration > first.load_duration, 'total_duration includes the load');
  const again = await ollama.generate({ model: 'fresh', prompt: 'Hello', options: { num_predict: 2, seed: 1 } });
  assert.equal(again.load_duration, 0);
  const embedded = await ollama.embed({ model: 'fresh', input: 'Hello' });
  assert.equal(embedded.load_duration, 0);
  fs.rmSync(path.join(dir, 'fresh.gguf'));
});

test('an unknown model is 404 model_not_found naming the available ones; a missing one is 400', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }),
    (e) => {
      assert.equal(e.status, 404);
      assert.equal(e.code, 'model_not_found');
      assert.equal(e.param, 'model');
      assert.match(e.message, /gpt-4o.*available: llama, qwen, stories/);
      return true;
    },
  );
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }] }),
  });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error.param, 'model');
});

test('a model larger than --memory is 507 with the numbers; an idle model unloads after --keep-alive', async () => {
  const dir2 = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-models-'));
  fs.copyFileSync(path.join(repo, 'tests/data/tiny/tiny-llama-F32.gguf'), path.join(dir2, 'big.gguf'));  // 5.5 MiB
  fs.copyFileSync(path.join(repo, 'models/stories260K.gguf'), path.join(dir2, 'small.gguf'));  // 1.1 MiB
  const s2 = await startServer(['--models-dir', dir2, '--memory', '4', '--keep-alive', '1s', '--ctx', '256'], null);
  try {
    const c2 = new OpenAI({ baseURL: `${s2.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    await assert.rejects(c2.completions.create({ model: 'big', prompt: 'Hi', max_tokens: 2 }), (e) => {
      assert.equal(e.status, 507);
      assert.equal(e.code, 'insufficient_memory');
      assert.match(e.message, /needs 5\.\d MiB \(weights 5\.\d MiB \+ KV cache for 256 tokens .*\) but only 4\.0 MiB of the 4\.0 MiB/);
      return true;
    });
    const r = await c2.completions.create({ model: 'small', prompt: 'Once', max_tokens: 2, seed: 1 });
    assert.equal(r.usage.completion_tokens, 2);
    const h2 = async () => (await (await fetch(`${s2.url}/health`)).json()).models.map((m) => m.id);
    assert.deepEqual(await h2(), ['small']);
    let ids = ['small'];
    for (let i = 0; i < 50 && ids.length; i++) {
      await new Promise((res) => setTimeout(res, 100));
      ids = await h2();
    }
    assert.deepEqual(ids, [], 'unloaded within 5 s of a 1 s keep-alive');
    assert.match(s2.log(), /model small: context 256 tokens \(--ctx\)/);
    assert.match(s2.log(), /unloaded model small \(idle for its keep-alive of 1 s\)/);
  } finally {
    await s2.stop();
    fs.rmSync(dir2, { recursive: true, force: true });
  }
});
