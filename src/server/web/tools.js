// What the /tools pages share: the /tools API (the JSON `hearth plan|fit|
// cost|tokens --json` prints), filling the forms' pickers, reading a form
// into a request body, and showing figures. Each figure is written with its
// exact value in data-value, so a reader (or a test) gets the API's number
// and a person gets it formatted.
import { ApiError, getJson, postJson } from './api.js';
import { el, mountShell, showNotice } from './shell.js';

// POST /tools/api/NAME with `body`.
export function toolApi(name, body) {
  return postJson(`/tools/api/${name}`, body);
}

let optionsReply;
// Shapes, types, KV types, hardware and served models (GET /tools/api/options).
export function toolOptions() {
  optionsReply ??= getJson('/tools/api/options');
  return optionsReply;
}

// "812.4 MiB", "1.25 GiB": binary units, as the CLI's tables print them.
export function formatBytes(bytes) {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export const formatRate = (tokS) => (tokS > 0 ? `${tokS.toFixed(1)} tok/s` : 'unknown');
export const formatUsd = (usd) => `$${usd.toLocaleString('en-US', { maximumFractionDigits: usd < 1 ? 6 : 0 })}`;
export const formatCount = (n) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

function options(select, items) {
  select.replaceChildren(...items.map(([value, label]) => el('option', { value }, label)));
}

// Fills the pickers a form has, by name: `source` (served models and
// catalog shapes, as "model:NAME" / "shape:NAME"), `type`, `kv_type` and
// `hardware`. `prefer`: initial choices, e.g. { source: 'shape:llama3.2-1b' }.
export async function fillPickers(form, prefer = {}) {
  const o = await toolOptions();
  const pick = (name) => form.elements.namedItem(name);
  const source = pick('source');
  if (source) {
    const served = el('optgroup', { label: 'Served by this server' },
      ...o.models.map((m) => el('option', { value: `model:${m}` }, m)));
    const shapes = el('optgroup', { label: 'Catalog shapes' },
      ...o.shapes.map((s) => el('option', { value: `shape:${s}` }, s)));
    source.replaceChildren(...(o.models.length ? [served] : []), shapes);
    // A served model has its own types: the type picker applies to shapes.
    const type = pick('type');
    const sync = () => { if (type) type.disabled = !source.value.startsWith('shape:'); };
    source.addEventListener('change', sync);
    source.value = prefer.source ?? `shape:${o.shapes[0]}`;
    sync();
  }
  if (pick('type')) options(pick('type'), o.types.map((t) => [t, t]));
  if (pick('type')) pick('type').value = prefer.type ?? o.default_type;
  if (pick('kv_type')) options(pick('kv_type'), o.kv_types.map((t) => [t, t]));
  if (pick('hardware')) {
    options(pick('hardware'), o.hardware.map((h) => [h.name, h.name === 'this' ? h.description : `${h.name}: ${h.description}`]));
    pick('hardware').value = prefer.hardware ?? 'this';
  }
  return o;
}

// The request body of a form: every named, enabled control with a value;
// number inputs as numbers; the `source` picker as {model} or {shape}.
export function formBody(form) {
  const body = {};
  for (const c of form.elements) {
    if (!c.name || c.disabled || c.value === '' || c.type === 'submit') continue;
    if ((c.type === 'radio' || c.type === 'checkbox') && !c.checked) continue;
    if (c.name === 'source') {
      const at = c.value.indexOf(':');
      body[c.value.slice(0, at)] = c.value.slice(at + 1);
    } else {
      body[c.name] = c.type === 'number' ? Number(c.value) : c.value;
    }
  }
  return body;
}

// A <dl> of figures: rows [{ key, label, value, text }]; each <dd> has
// id `KEY` (prefixed) and data-value = the exact value.
export function figures(rows, prefix = '') {
  return el('dl', { class: 'figures' }, ...rows.flatMap(({ key, label, value, text }) => [
    el('dt', {}, label),
    el('dd', { id: `${prefix}${key}`, 'data-value': String(value) }, text ?? String(value)),
  ]));
}

// Wires the page: the shell, the pickers (initial choices `prefer`; then
// `prepare()`, the page's own set-up), and `form`'s submit, which calls
// `answer(body)` and shows its failure in `notice`. Submits once when ready
// so the page opens with an answer; each answer counts up
// form.dataset.answered (each failure: form.dataset.failed).
export async function mountTool(form, notice, answer, { prefer = {}, prepare } = {}) {
  let ready = false;
  mountShell({ onKeyChange: () => { if (ready) form.requestSubmit(); } });
  const run = async () => {
    form.setAttribute('aria-busy', 'true');
    showNotice(notice, '');
    try {
      await answer(formBody(form));
      form.dataset.answered = String(Number(form.dataset.answered ?? 0) + 1);
    } catch (e) {
      // fetch rejects with a TypeError when the server cannot be reached
      showNotice(notice, e instanceof TypeError ? `Cannot reach the server: ${e.message}` : e.message, true);
      form.dataset.failed = String(Number(form.dataset.failed ?? 0) + 1);
    } finally {
      form.removeAttribute('aria-busy');
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); run(); });
  try {
    await fillPickers(form, prefer);
    await prepare?.();
  } catch (e) {
    showNotice(notice, e instanceof ApiError ? e.message : `Cannot reach the server: ${e.message}`, true);
    return;
  }
  ready = true;
  await run();
}
