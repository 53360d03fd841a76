// /tools/speed: the speed figures of `hearth plan --json` (bandwidth and
// FLOP models, with the efficiencies they assume).
import { el } from './shell.js';
import { figures, formatBytes, formatRate, mountTool, toolApi } from './tools.js';

const form = document.getElementById('tool-form');
const answer = document.getElementById('answer');

function show(p) {
  const pct = (f) => `${Math.round(f * 100)}%`;
  const rows = [
    { key: 'decode_tok_s', label: 'Decode, short chat', value: p.decode_tok_s, text: formatRate(p.decode_tok_s) },
    { key: 'decode_tok_s_full_context', label: 'Decode, context full', value: p.decode_tok_s_full_context,
      text: formatRate(p.decode_tok_s_full_context) },
    { key: 'decode_tok_s_all_sequences', label: `Decode, all ${p.parallel} sequences`, value: p.decode_tok_s_all_sequences,
      text: formatRate(p.decode_tok_s_all_sequences) },
    { key: 'prefill_tok_s', label: 'Prefill', value: p.prefill_tok_s, text: formatRate(p.prefill_tok_s) },
    { key: 'bytes_per_token', label: 'Read per token', value: p.bytes_per_token, text: formatBytes(p.bytes_per_token) },
    { key: 'efficiency_decode', label: 'Decode at', value: p.efficiency.decode, text: `${pct(p.efficiency.decode)} of the memory bandwidth` },
    { key: 'efficiency_prefill', label: 'Prefill at', value: p.efficiency.prefill, text: `${pct(p.efficiency.prefill)} of the FLOP peak` },
  ];
  const devices = p.devices.map((d) => `${d.name}: ${d.bandwidth_gb_s.toFixed(0)} GB/s, ${d.tflops.toFixed(1)} TFLOPS (${d.source})`);
  answer.replaceChildren(
    el('h2', {}, `${p.model} on ${p.hardware}`),
    p.fits ? '' : el('p', { class: 'notice error', id: 'does-not-fit' }, 'It does not fit this hardware at this context: the speeds are what it would reach if it did.'),
    figures(rows),
    el('ul', { class: 'notes' }, ...devices.map((d) => el('li', {}, d)), ...p.notes.map((n) => el('li', {}, n))));
}

mountTool(form, document.getElementById('notice'), async (body) => show(await toolApi('plan', body)),
  { prefer: { source: 'shape:llama3.2-1b' } });
