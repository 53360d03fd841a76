// `hearth serve` driven by the official Anthropic npm client
// (@anthropic-ai/sdk), plus plain fetch for what the client cannot send.
// The Messages API has no seed: determinism is checked at temperature 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startServer, tokenCount } from './server.mjs';

let server;
let client;
const model = 'stories260K';

before(async () => {
  server = await startServer(['--ctx', '2048', '--parallel', '4']);
  client = new Anthropic({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
});
after(async () => { await server?.stop(); });

const request = (extra = {}) => ({
  model,
  max_tokens: 40,
  temperature: 0,
  system: 'You tell stories.',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Tell me a story about a cat.' }] }],
  ...extra,
});

const textOf = (message) => message.content.map((b) => b.text).join('');

async function streamed(req) {
  const stream = client.messages.stream(req);
  const events = [];
  let text = '';
  for await (const ev of stream) {
    events.push(ev);
    if (ev.type === 'content_block_delta') {
      assert.equal(ev.delta.type, 'text_delta');
      text += ev.delta.text;
    }
  }
  return { events, text, final: await stream.finalMessage() };
}

test('non-streaming message: shape, stop reason and exact usage', async () => {
  const m = await client.messages.create(request());
  assert.equal(m.type, 'message');
  assert.equal(m.role, 'assistant');
  assert.equal(m.model, model);
  assert.equal(m.content[0].type, 'text');
  assert.ok(textOf(m).length > 0);
  assert.ok(['end_turn', 'max_tokens'].includes(m.stop_reason));
  if (m.stop_reason === 'max_tokens') assert.equal(m.usage.output_tokens, 40);
  assert.ok(m.usage.output_tokens >= 1 && m.usage.output_tokens <= 40);
  // The prompt: the system and the message as the plain chat prompt (the model
  // has no chat template), counted by `hearth tokenize`.
  const expected = await tokenCount('System: You tell stories.\nUser: Tell me a story about a cat.\nAssistant:');
  assert.equal(m.usage.input_tokens, expected);
  const counted = await client.messages.countTokens({ model, system: 'You tell stories.', messages: request().messages });
  assert.equal(counted.input_tokens, expected);
});

test('a request that runs to max_tokens reports exactly max_tokens output tokens', async () => {
  const m = await client.messages.create(request({ max_tokens: 3, top_k: 50, top_p: 0.9 }));
  assert.equal(m.stop_reason, 'max_tokens');
  assert.equal(m.usage.output_tokens, 3);
  assert.equal(m.stop_sequence, null);
});

test('the same prompt gives the same usage in the OpenAI dialect (one request model)', async () => {
  const m = await client.messages.create(request({ max_tokens: 5 }));
  const r = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model, max_tokens: 5, temperature: 0,
      messages: [{ role: 'system', content: 'You tell stories.' }, { role: 'user', content: 'Tell me a story about a cat.' }],
    }),
  });
  const o = await r.json();
  assert.equal(o.usage.prompt_tokens, m.usage.input_tokens);
  assert.equal(o.choices[0].message.content, textOf(m), 'greedy decoding gives the same text through either dialect');
});

test('streaming: the documented event sequence, text equal to the non-streamed reply', async () => {
  const whole = await client.messages.create(request());
  const s = await streamed(request());
  const kinds = s.events.map((e) => e.type).filter((t, i, a) => t !== 'content_block_delta' || a[i - 1] !== t);
  assert.deepEqual(kinds, ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop',
    'message_delta', 'message_stop']);  // the SDK passes ping events over
  assert.equal(s.events[0].message.usage.input_tokens, whole.usage.input_tokens);
  assert.equal(s.text, textOf(whole));
  assert.equal(textOf(s.final), textOf(whole));
  assert.equal(s.final.stop_reason, whole.stop_reason);
  assert.equal(s.final.usage.output_tokens, whole.usage.output_tokens);
  assert.ok(s.events.filter((e) => e.type === 'content_block_delta').length > 3);

  // The raw stream carries the ping too.
  const raw = await fetch(`${server.url}/v1/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...request(), stream: true }),
  });
  assert.match(raw.headers.get('content-type'), /text\/event-stream/);
  const names = [...(await raw.text()).matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
  assert.deepEqual(names.slice(0, 3), ['message_start', 'content_block_start', 'ping']);
  assert.deepEqual(names.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
});

test('temperature 0 is deterministic, also under concurrency', async () => {
  const req = request({ max_tokens: 30 });
  const a = textOf(await client.messages.create(req));
  const together = await Promise.all([1, 2, 3, 4].map(() => client.messages.create(req)));
  for (const m of together) assert.equal(textOf(m), a);
});

test('stop sequences end the text before them and are reported', async () => {
  const free = textOf(await client.messages.create(request({ max_tokens: 60 })));
  const stop = free.slice(Math.floor(free.length / 2), Math.floor(free.length / 2) + 4);
  assert.equal(stop.length, 4);
  const m = await client.messages.create(request({ max_tokens: 60, stop_sequences: ['zz-never', stop] }));
  assert.equal(textOf(m), free.slice(0, free.indexOf(stop)));
  assert.equal(m.stop_reason, 'stop_sequence');
  assert.equal(m.stop_sequence, stop);
  const s = await streamed(request({ max_tokens: 60, stop_sequences: [stop] }));
  assert.equal(s.text, textOf(m));
  assert.equal(s.final.stop_reason, 'stop_sequence');
  assert.equal(s.final.stop_sequence, stop);
});

async function expectError(promise, status, type, pattern) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.status, status, e.message);
    assert.equal(e.error?.type, 'error');
    assert.equal(e.error?.error?.type, type);
    if (pattern) assert.match(e.error.error.message, pattern);
    return true;
  });
}

test('errors: unknown model 404, context overflow 400 with both numbers, bad fields 400 naming them', async () => {
  await expectError(client.messages.create(request({ model: 'claude-nonesuch' })), 404, 'not_found_error', /claude-nonesuch/);
  await expectError(client.messages.create(request({ max_tokens: 5000 })), 400, 'invalid_request_error', /5\d\d\d.*2048/);
  await expectError(client.messages.create(request({ temperature: 1.5 })), 400, 'invalid_request_error', /temperature/);
  await expectError(client.messages.create(request({ stop_sequences: [''] })), 400, 'invalid_request_error', /stop_sequences/);
  await expectError(client.messages.create(request({ messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' } }] }] })),
    400, 'invalid_request_error', /messages\[0\]\.content\[0\]/);
  const { max_tokens: _, ...noMax } = request();
  await expectError(client.messages.create(noMax), 400, 'invalid_request_error', /max_tokens/);
});

test('errors: malformed JSON 400 and oversize body 413, in Anthropic shape', async () => {
  const r = await fetch(`${server.url}/v1/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": "stories260K", "messages": [',
  });
  assert.equal(r.status, 400);
  const body = await r.json();
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, 'invalid_request_error');
  assert.match(body.error.message, /not valid JSON/);

  const big = await fetch(`${server.url}/v1/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...request(), system: 'x'.repeat(9 << 20) }),
  });
  assert.equal(big.status, 413);
  const bigBody = await big.json();
  assert.equal(bigBody.type, 'error');
  assert.equal(bigBody.error.type, 'request_too_large');
});

test('API key: x-api-key accepted, a wrong one is 401 authentication_error', async () => {
  const keyed = await startServer(['--api-key', 'sesame', '--ctx', '256']);
  try {
    const wrong = new Anthropic({ baseURL: keyed.url, apiKey: 'nope', maxRetries: 0 });
    await expectError(wrong.messages.create(request({ max_tokens: 2 })), 401, 'authentication_error', /API key/);
    const right = new Anthropic({ baseURL: keyed.url, apiKey: 'sesame', maxRetries: 0 });
    const m = await right.messages.create(request({ max_tokens: 2 }));
    assert.equal(m.usage.output_tokens, 2);
  } finally {
    await keyed.stop();
  }
});
