// JSON mode (response_format {"type": "json_object"}) through the official
// OpenAI npm client against `hearth serve` on the built-in model: whatever
// the model would say, the reply is one JSON object.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer } from './server.mjs';

let server;
let client;
const model = 'stories260K';

before(async () => {
  server = await startServer(['--ctx', '2048', '--parallel', '4']);
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});
after(async () => { await server?.stop(); });

const jsonReq = (seed, extra = {}) => ({
  model,
  messages: [{ role: 'user', content: 'Describe a cat as a JSON object.' }],
  response_format: { type: 'json_object' },
  max_tokens: 400,
  temperature: 0.8,
  seed,
  ...extra,
});

function assertJsonObject(content, what) {
  let parsed;
  assert.doesNotThrow(() => { parsed = JSON.parse(content); }, `${what}: not JSON: ${JSON.stringify(content)}`);
  assert.equal(typeof parsed, 'object', `${what}: ${content}`);
  assert.ok(parsed !== null && !Array.isArray(parsed), `${what}: not an object: ${content}`);
}

test('chat completions with json_object reply with a JSON object, for several seeds', async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = await client.chat.completions.create(jsonReq(seed));
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'stop', `seed ${seed}: ${choice.message.content}`);
    assertJsonObject(choice.message.content, `seed ${seed}`);
  }
});

test('greedy json_object reply is a JSON object', async () => {
  const r = await client.chat.completions.create(jsonReq(7, { temperature: 0 }));
  assert.equal(r.choices[0].finish_reason, 'stop');
  assertJsonObject(r.choices[0].message.content, 'greedy');
});

test('streamed json_object deltas join into a JSON object', async () => {
  const stream = await client.chat.completions.create({ ...jsonReq(11), stream: true });
  let text = '';
  let finish = null;
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      text += c.delta?.content ?? '';
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert.equal(finish, 'stop', text);
  assertJsonObject(text, 'stream');
});

test('legacy completions accept json_object too', async () => {
  const r = await client.completions.create({
    model, prompt: 'Once upon a time', response_format: { type: 'json_object' }, max_tokens: 400, seed: 3,
  });
  assert.equal(r.choices[0].finish_reason, 'stop');
  assertJsonObject(r.choices[0].text, 'completion');
});

test('an unsupported response_format is a 400 naming the field', async () => {
  await assert.rejects(
    client.chat.completions.create(jsonReq(1, { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } })),
    (e) => e.status === 400 && /response_format/.test(e.message),
  );
  await assert.rejects(
    client.chat.completions.create(jsonReq(1, { response_format: { type: 'yaml' } })),
    (e) => e.status === 400 && /response_format/.test(e.message),
  );
});
