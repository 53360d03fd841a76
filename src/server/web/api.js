// The hearth API as the pages use it: the API key kept in this browser,
// /v1/models, streamed /v1/chat/completions (OpenAI SSE) and plain JSON
// calls (the /tools API). Every request
// goes to this same server (the page's Content-Security-Policy allows no
// other).

const KEY_STORE = 'hearth.apiKey';

export function apiKey() {
  return localStorage.getItem(KEY_STORE) ?? '';
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY_STORE, key);
  else localStorage.removeItem(KEY_STORE);
}

// An error reply of the API (OpenAI's error shape) or a broken stream.
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function headers(json) {
  const h = {};
  if (json) h['Content-Type'] = 'application/json';
  const key = apiKey();
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

async function failure(res) {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = await res.json();
    if (body?.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 401) message += ' — set the API key (top right).';
  return new ApiError(res.status, message);
}

// GET / POST (a JSON body) to `path` of this server; resolves to the JSON
// reply, rejects with an ApiError carrying the server's message.
export async function getJson(path) {
  const res = await fetch(path, { headers: headers(false) });
  if (!res.ok) throw await failure(res);
  return res.json();
}

export async function postJson(path, body) {
  const res = await fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  return res.json();
}

// The ids of the models this server can run.
export async function listModels() {
  const res = await fetch('/v1/models', { headers: headers(false) });
  if (!res.ok) throw await failure(res);
  const body = await res.json();
  return body.data.map((m) => m.id);
}

// Splits an SSE byte stream into the payloads of its `data:` fields.
async function* sseData(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart());
        if (data.length) yield data.join('\n');
      }
    }
  } finally {
    reader.releaseLock();
  }
}

// Streams a chat completion. `request`: the OpenAI request body (stream is
// set here). onText(delta) is called for each piece of text as it arrives.
// Resolves to { text, finish, usage }; `signal` aborts (the fetch rejects
// with an AbortError and the server cancels the generation).
export async function streamChat(request, { signal, onText }) {
  const res = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: headers(true),
    body: JSON.stringify({ ...request, stream: true, stream_options: { include_usage: true } }),
    signal,
  });
  if (!res.ok) throw await failure(res);
  let text = '';
  let finish = null;
  let usage = null;
  for await (const data of sseData(res.body)) {
    if (data === '[DONE]') break;
    const chunk = JSON.parse(data);
    if (chunk.error) throw new ApiError(500, chunk.error.message);
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      const delta = choice.delta?.content ?? '';
      if (delta) {
        text += delta;
        onText(delta);
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  return { text, finish, usage };
}
