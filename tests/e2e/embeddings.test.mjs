// Embeddings from `hearth serve`: OpenAI's /v1/embeddings through the official
// `openai` client and Ollama's /api/embed through the official `ollama`
// client, against the built-in stories260K model (n_embd 64, F32).
//
// Tolerances: the same input embedded alone or as part of a batch goes
// through the F32 one-row or multi-row matmul kernel, which sum in a
// different order; components of a unit vector then differ by float
// rounding (~1e-7), so 1e-6 is allowed there. The same single input asked
// twice is compared exactly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Ollama } from 'ollama';
import { startServer } from './server.mjs';

let server;
let client;
let ollama;
const model = 'stories260K';
const N_EMBD = 64;
const N_CTX = 512;

before(async () => {
  server = await startServer(['--ctx', String(N_CTX), '--parallel', '4']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  ollama = new Ollama({ host: server.url });
});
after(async () => { await server?.stop(); });

const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const close = (a, b, tol, what) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}: component ${i}: ${a[i]} vs ${b[i]}`);
};
async function tokenize(content) {
  const r = await fetch(`${server.url}/tokenize`, { method: 'POST', body: JSON.stringify({ content, add_special: true, parse_special: false }) });
  return (await r.json()).tokens;
}
const texts = ['Once upon a time, there was a little cat.', 'Lily liked to play in the park with her ball.', 'Hello'];
const longText = 'The big dog ran and ran. '.repeat(120);  // > 512 tokens

test('OpenAI client: one string gives one unit vector of n_embd floats with exact usage', async () => {
  const r = await client.embeddings.create({ model, input: texts[0] });  // the client asks for base64 and decodes it
  assert.equal(r.object, 'list');
  assert.equal(r.model, model);
  assert.equal(r.data.length, 1);
  assert.equal(r.data[0].object, 'embedding');
  assert.equal(r.data[0].index, 0);
  const v = r.data[0].embedding;
  assert.equal(v.length, N_EMBD);
  assert.ok(Math.abs(norm(v) - 1) < 1e-5, `L2 norm ${norm(v)}`);
  assert.equal(r.usage.prompt_tokens, (await tokenize(texts[0])).length);
  assert.equal(r.usage.total_tokens, r.usage.prompt_tokens);
});

test('OpenAI client: float and base64 encodings carry the same vector', async () => {
  const f = await client.embeddings.create({ model, input: texts[1], encoding_format: 'float' });
  const b = await client.embeddings.create({ model, input: texts[1] });
  assert.ok(Array.isArray(f.data[0].embedding));
  assert.deepEqual(Array.from(b.data[0].embedding), f.data[0].embedding);
  const raw = await client.embeddings.create({ model, input: texts[1], encoding_format: 'base64' });
  assert.equal(typeof raw.data[0].embedding, 'string');
  assert.equal(Buffer.from(raw.data[0].embedding, 'base64').length, 4 * N_EMBD);
});

test('OpenAI client: a batch of strings equals each string alone, in input order', async () => {
  const batch = await client.embeddings.create({ model, input: texts, encoding_format: 'float' });
  assert.deepEqual(batch.data.map((d) => d.index), [0, 1, 2]);
  let tokens = 0;
  for (let i = 0; i < texts.length; i++) {
    const alone = await client.embeddings.create({ model, input: texts[i], encoding_format: 'float' });
    close(batch.data[i].embedding, alone.data[0].embedding, 1e-6, `input ${i}`);
    tokens += alone.usage.prompt_tokens;
  }
  assert.equal(batch.usage.prompt_tokens, tokens);
  // Different texts, different vectors.
  assert.ok(Math.abs(batch.data[0].embedding[0] - batch.data[1].embedding[0]) > 0 ||
            Math.abs(batch.data[0].embedding[1] - batch.data[1].embedding[1]) > 0);
});

test('OpenAI client: token-id inputs (one array or arrays) equal the text they encode', async () => {
  const ids = await tokenize(texts[0]);
  const fromText = await client.embeddings.create({ model, input: texts[0], encoding_format: 'float' });
  const one = await client.embeddings.create({ model, input: ids, encoding_format: 'float' });
  assert.deepEqual(one.data[0].embedding, fromText.data[0].embedding);
  assert.equal(one.usage.prompt_tokens, ids.length);
  const many = await client.embeddings.create({ model, input: [ids, await tokenize(texts[2])], encoding_format: 'float' });
  assert.equal(many.data.length, 2);
  close(many.data[0].embedding, fromText.data[0].embedding, 1e-6, 'ids batch');
});

test('OpenAI errors: dimensions other than n_embd, bad input, out-of-vocabulary id, too long input', async () => {
  const expect400 = async (req, code) => {
    await assert.rejects(client.embeddings.create({ model, ...req }), (e) => {
      assert.equal(e.status, 400, e.message);
      if (code) assert.equal(e.code, code);
      return true;
    });
  };
  await expect400({ input: 'x', dimensions: 32 });
  assert.equal((await client.embeddings.create({ model, input: 'x', dimensions: N_EMBD })).data[0].embedding.length, N_EMBD);
  await expect400({ input: [] });
  await expect400({ input: '' });
  await expect400({ input: [1, 2, 100000] });
  await expect400({ input: 'x', encoding_format: 'int8' });
  await expect400({ input: longText }, 'context_length_exceeded');
  try {
    await client.embeddings.create({ model, input: longText });
  } catch (e) {
    assert.match(e.error.message, new RegExp(`${N_CTX}`), 'the message gives the context size');
    assert.match(e.error.message, /\d{3,} tokens/, 'and the input length');
  }
  await assert.rejects(client.embeddings.create({ model: 'nope', input: 'x' }), (e) => e.status === 404);
});

test('Ollama client: embed a string and an array; same vectors as the OpenAI endpoint', async () => {
  const one = await ollama.embed({ model, input: texts[0] });
  assert.equal(one.model, model);
  assert.equal(one.embeddings.length, 1);
  assert.equal(one.embeddings[0].length, N_EMBD);
  assert.equal(one.prompt_eval_count, (await tokenize(texts[0])).length);
  const viaOpenAI = await client.embeddings.create({ model, input: texts[0], encoding_format: 'float' });
  assert.deepEqual(one.embeddings[0], viaOpenAI.data[0].embedding);
  const many = await ollama.embed({ model, input: texts });
  assert.equal(many.embeddings.length, texts.length);
  close(many.embeddings[0], one.embeddings[0], 1e-6, 'ollama batch');
});

test('Ollama client: too long input is a 400 with both numbers unless truncate is explicitly true', async () => {
  for (const req of [{ model, input: longText }, { model, input: longText, truncate: false }]) {
    await assert.rejects(ollama.embed(req), (e) => {
      assert.equal(e.status_code, 400);
      assert.match(e.error, new RegExp(`${N_CTX}`));
      assert.match(e.error, /\d{3,} tokens/);
      return true;
    });
  }
  const cut = await ollama.embed({ model, input: longText, truncate: true });
  assert.equal(cut.prompt_eval_count, N_CTX, 'cut to the context length');
  assert.equal(cut.embeddings[0].length, N_EMBD);
  // The truncated input embeds like its first N_CTX tokens given as ids.
  const ids = (await tokenize(longText)).slice(0, N_CTX);
  const same = await client.embeddings.create({ model, input: ids, encoding_format: 'float' });
  assert.deepEqual(cut.embeddings[0], same.data[0].embedding);
  await assert.rejects(ollama.embed({ model: 'nope', input: 'x' }), (e) => e.status_code === 404);
});

test('embeddings run beside generations in the same batches', async () => {
  const gen = client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 60, seed: 1 });
  const [g, e] = await Promise.all([gen, client.embeddings.create({ model, input: texts, encoding_format: 'float' })]);
  assert.ok(g.choices[0].text.length > 0);
  const alone = await client.embeddings.create({ model, input: texts[2], encoding_format: 'float' });
  close(e.data[2].embedding, alone.data[0].embedding, 1e-6, 'beside a generation');
});
