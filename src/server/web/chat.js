// The chat page: conversations in the sidebar (kept in this browser),
// answers streamed from /v1/chat/completions and rendered as Markdown, a
// stop button that aborts the stream (the server then cancels the
// generation and frees its cache).
import { streamChat } from './api.js';
import * as history from './history.js';
import { renderMarkdown } from './markdown.js';
import { el, fillModelPicker, mountShell, showNotice } from './shell.js';

const $ = (id) => document.getElementById(id);
const ui = {
  list: $('conversations'), newChat: $('new-chat'), messages: $('messages'), model: $('model'),
  form: $('composer'), prompt: $('prompt'), send: $('send'), stop: $('stop'), notice: $('notice'),
  system: $('system'), temperature: $('temperature'), maxTokens: $('max-tokens'),
};

let conversations = history.loadConversations();
let current = conversations.find((c) => c.id === history.currentId()) ?? null;
// The answer being streamed: { controller, reply, node }.
let running = null;

// ---- settings (kept in this browser) ----------------------------------------

const SETTINGS = 'hearth.chatSettings';
const settingFields = { system: ui.system, temperature: ui.temperature, maxTokens: ui.maxTokens };

function loadSettings() {
  let saved = {};
  try { saved = JSON.parse(localStorage.getItem(SETTINGS) ?? '{}'); } catch { /* defaults */ }
  for (const [k, field] of Object.entries(settingFields)) {
    if (typeof saved[k] === 'string') field.value = saved[k];
    field.addEventListener('change', saveSettings);
  }
}

function saveSettings() {
  const values = Object.fromEntries(Object.entries(settingFields).map(([k, f]) => [k, f.value]));
  localStorage.setItem(SETTINGS, JSON.stringify(values));
}

// ---- rendering --------------------------------------------------------------

function save() {
  const dropped = history.saveConversations(conversations);
  if (dropped) {
    conversations = conversations.slice(0, conversations.length - dropped);
    showNotice(ui.notice, `Browser storage is full: the ${dropped} oldest conversation(s) were not kept.`, true);
  }
  history.setCurrentId(current?.id);
}

function renderList() {
  ui.list.replaceChildren(...conversations.map((c) => el('li', { class: c === current ? 'current' : '' },
    el('button', { type: 'button', class: 'open', title: c.title, onclick: () => select(c) }, c.title || 'New chat'),
    el('button', { type: 'button', class: 'ghost', 'aria-label': `Delete “${c.title}”`, title: 'Delete', onclick: () => remove(c) }, '×'))));
}

function fillMessage(node, msg) {
  const content = node.querySelector('.content');
  if (msg.role === 'user') content.textContent = msg.content;
  else content.innerHTML = renderMarkdown(msg.content);
  const meta = node.querySelector('.meta');
  const status = msg.error ? `Error: ${msg.error}` : msg.stopped ? 'Stopped.' : msg.note ?? '';
  meta.textContent = status;
  meta.hidden = !status;
  meta.classList.toggle('error', Boolean(msg.error));
}

function messageNode(msg) {
  const node = el('article', { class: `msg ${msg.role}` },
    el('div', { class: 'role' }, msg.role === 'user' ? 'You' : `Assistant${msg.model ? ` · ${msg.model}` : ''}`),
    el('div', { class: msg.role === 'user' ? 'content' : 'content markdown' }),
    el('div', { class: 'meta' }));
  fillMessage(node, msg);
  return node;
}

function renderMessages() {
  if (!current?.messages.length) {
    ui.messages.replaceChildren(el('div', { class: 'empty' }, el('h1', {}, 'hearth'),
      el('p', {}, 'Chat with a model running on this machine. Your conversations stay in this browser.')));
    return;
  }
  ui.messages.replaceChildren(...current.messages.map((msg) => {
    const node = messageNode(msg);
    if (running?.reply === msg) {
      running.node = node;
      node.classList.add('streaming');
    }
    return node;
  }));
  scrollToEnd(true);
}

function scrollToEnd(force = false) {
  const m = ui.messages;
  const nearEnd = m.scrollHeight - m.scrollTop - m.clientHeight < 80;
  if (force || nearEnd) m.scrollTop = m.scrollHeight;
}

function render() {
  renderList();
  renderMessages();
}

function select(conversation) {
  current = conversation;
  history.setCurrentId(current?.id);
  render();
  ui.prompt.focus();
}

function remove(conversation) {
  if (running && conversation.messages.includes(running.reply)) running.controller.abort();
  conversations = conversations.filter((c) => c !== conversation);
  if (current === conversation) current = null;
  save();
  render();
}

function setBusy(busy) {
  ui.send.hidden = busy;
  ui.stop.hidden = !busy;
}

// ---- sending ------------------------------------------------------------------

function requestFor(conversation, reply) {
  const messages = [];
  if (ui.system.value.trim()) messages.push({ role: 'system', content: ui.system.value.trim() });
  for (const m of conversation.messages) {
    if (m === reply || (m.role === 'assistant' && !m.content)) continue;
    messages.push({ role: m.role, content: m.content });
  }
  const request = { model: ui.model.value, messages };
  const temperature = parseFloat(ui.temperature.value);
  const maxTokens = parseInt(ui.maxTokens.value, 10);
  if (Number.isFinite(temperature)) request.temperature = temperature;
  if (Number.isFinite(maxTokens) && maxTokens > 0) request.max_tokens = maxTokens;
  return request;
}

async function send() {
  const text = ui.prompt.value.trim();
  if (!text || running) return;
  if (!ui.model.value) {
    showNotice(ui.notice, 'No model to send to (see the message above, or set the API key).', true);
    return;
  }
  showNotice(ui.notice, '');
  if (!current) current = history.newConversation();
  conversations = [current, ...conversations.filter((c) => c !== current)];
  current.title ||= text.slice(0, 80);
  current.updated = Date.now();
  current.messages.push({ role: 'user', content: text });
  const reply = { role: 'assistant', content: '', model: ui.model.value };
  current.messages.push(reply);
  const conversation = current;
  running = { controller: new AbortController(), reply, node: null };
  ui.prompt.value = '';
  fitPrompt();
  setBusy(true);
  save();
  render();

  // Repaint at most once per frame, however fast the tokens come.
  let frame = 0;
  const paint = () => {
    frame = 0;
    if (running?.node) fillMessage(running.node, reply);
    scrollToEnd();
  };
  try {
    const result = await streamChat(requestFor(conversation, reply), {
      signal: running.controller.signal,
      onText: (delta) => {
        reply.content += delta;
        frame ||= requestAnimationFrame(paint);
      },
    });
    if (result.finish === 'length') reply.note = 'Reached the max tokens limit (Settings).';
  } catch (e) {
    if (e.name === 'AbortError') reply.stopped = true;
    else reply.error = e.message;
  } finally {
    cancelAnimationFrame(frame);
    const { node } = running;
    running = null;
    if (node) {
      node.classList.remove('streaming');
      fillMessage(node, reply);
    }
    conversation.updated = Date.now();
    if (conversations.includes(conversation)) save();
    setBusy(false);
  }
}

function fitPrompt() {
  ui.prompt.style.height = 'auto';
  ui.prompt.style.height = `${ui.prompt.scrollHeight + 2}px`;
}

// ---- wiring -----------------------------------------------------------------

mountShell({ onKeyChange: () => fillModelPicker(ui.model, ui.notice) });
loadSettings();
render();
fillModelPicker(ui.model, ui.notice);

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  send();
});
ui.prompt.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  } else if (e.key === 'Escape' && running) {
    running.controller.abort();
  }
});
ui.prompt.addEventListener('input', fitPrompt);
ui.stop.addEventListener('click', () => running?.controller.abort());
ui.newChat.addEventListener('click', () => select(null));
// Keep a half-streamed answer if the page goes away.
window.addEventListener('pagehide', () => { if (running) save(); });
ui.prompt.focus();
