// The summarize page: pasted text goes to this server's
// /v1/chat/completions only, and the summary streams back. The text is not
// stored anywhere.
import { streamChat } from './api.js';
import { renderMarkdown } from './markdown.js';
import { fillModelPicker, mountShell, showNotice } from './shell.js';

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('summarize-form'), model: $('model'), style: $('style'), source: $('source'), count: $('count'),
  run: $('run'), stop: $('stop'), summary: $('summary'), notice: $('notice'),
};

// Per style: the instruction, and a cap on the summary's length in tokens.
const STYLES = {
  short: ['Summarize the text below in one short paragraph.', 200],
  bullets: ['Summarize the text below as a list of its key points, one short line each.', 300],
  detailed: ['Write a detailed summary of the text below, with a short heading for each main part.', 800],
};

let controller = null;

function request(text) {
  const [instruction, maxTokens] = STYLES[ui.style.value];
  return {
    model: ui.model.value,
    temperature: 0.2,
    max_tokens: maxTokens,
    messages: [
      { role: 'system', content: 'You write faithful, concise summaries. Use only what the text says.' },
      { role: 'user', content: `${instruction}\n\n"""\n${text}\n"""` },
    ],
  };
}

async function summarize() {
  const text = ui.source.value.trim();
  if (controller) return;
  if (!text) {
    showNotice(ui.notice, 'Paste some text first.', true);
    return;
  }
  controller = new AbortController();
  ui.run.hidden = true;
  ui.stop.hidden = false;
  ui.summary.replaceChildren();
  ui.summary.classList.add('streaming');
  showNotice(ui.notice, 'Summarizing…');
  let summary = '';
  let frame = 0;
  const paint = () => {
    frame = 0;
    ui.summary.innerHTML = renderMarkdown(summary);
  };
  try {
    const result = await streamChat(request(text), {
      signal: controller.signal,
      onText: (delta) => {
        summary += delta;
        frame ||= requestAnimationFrame(paint);
      },
    });
    const tokens = result.usage ? ` (${result.usage.prompt_tokens} tokens in, ${result.usage.completion_tokens} out)` : '';
    showNotice(ui.notice, result.finish === 'length' ? `Cut at the length limit${tokens}.` : `Done${tokens}.`);
  } catch (e) {
    showNotice(ui.notice, e.name === 'AbortError' ? 'Stopped.' : `Error: ${e.message}`, e.name !== 'AbortError');
  } finally {
    cancelAnimationFrame(frame);
    paint();
    ui.summary.classList.remove('streaming');
    controller = null;
    ui.run.hidden = false;
    ui.stop.hidden = true;
  }
}

function showCount() {
  const words = ui.source.value.trim().split(/\s+/).filter(Boolean).length;
  ui.count.textContent = `${words} word${words === 1 ? '' : 's'} · Ctrl+Enter to summarize`;
}

mountShell({ onKeyChange: () => fillModelPicker(ui.model, ui.notice) });
fillModelPicker(ui.model, ui.notice);
showCount();
ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  summarize();
});
ui.source.addEventListener('input', showCount);
ui.source.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    summarize();
  }
});
ui.stop.addEventListener('click', () => controller?.abort());
