// /tools/fit: `hearth fit --json` as a table, best quality first.
import { el } from './shell.js';
import { formatBytes, formatRate, mountTool, toolApi } from './tools.js';

const form = document.getElementById('tool-form');
const answer = document.getElementById('answer');

function show(fit) {
  const head = el('tr', {}, ...['Model', 'Type', 'File', 'Memory', 'Max context', 'Decode', 'Prefill']
    .map((h) => el('th', { scope: 'col' }, h)));
  const rows = fit.models.map((m) => el('tr', { 'data-shape': m.shape, 'data-type': m.type },
    el('td', {}, m.shape), el('td', {}, m.type),
    el('td', { 'data-value': m.file_bytes }, formatBytes(m.file_bytes)),
    el('td', { 'data-value': m.total_bytes }, formatBytes(m.total_bytes)),
    el('td', { 'data-value': m.max_context }, m.max_context.toLocaleString('en-US')),
    el('td', { 'data-value': m.decode_tok_s }, formatRate(m.decode_tok_s)),
    el('td', { 'data-value': m.prefill_tok_s }, formatRate(m.prefill_tok_s))));
  answer.replaceChildren(
    el('h2', { id: 'fit-summary', 'data-value': fit.models.length },
      `${fit.models.length} model/type pairs fit ${fit.hardware} with at least ${fit.min_context} tokens of context`),
    fit.models.length
      ? el('table', { class: 'data', id: 'fit-table' }, el('thead', {}, head), el('tbody', {}, ...rows))
      : el('p', { class: 'notice' }, 'None: try a smaller context, or other hardware.'));
}

mountTool(form, document.getElementById('notice'), async (body) => show(await toolApi('fit', body)));
