// /tools/memory: `hearth plan --json` for the chosen context (the figures)
// and for a range of contexts (the chart: memory_chart.js).
import { drawMemoryChart } from './memory_chart.js';
import { el } from './shell.js';
import { figures, formatBytes, mountTool, toolApi } from './tools.js';

const form = document.getElementById('tool-form');
const answer = document.getElementById('answer');
const chart = document.getElementById('chart');

function show(p) {
  const rows = [
    { key: 'weights_bytes', label: 'Weights', value: p.weights_bytes, text: formatBytes(p.weights_bytes) },
    { key: 'kv_bytes', label: `KV cache (${p.kv_type})`, value: p.kv_bytes, text: formatBytes(p.kv_bytes) },
    { key: 'buffers_bytes', label: 'Compute buffers', value: p.buffers_bytes, text: formatBytes(p.buffers_bytes) },
    { key: 'overhead_bytes', label: 'Runtime overhead', value: p.overhead_bytes, text: formatBytes(p.overhead_bytes) },
    { key: 'total_bytes', label: 'Total', value: p.total_bytes, text: formatBytes(p.total_bytes) },
    { key: 'fits', label: 'Fits', value: p.fits, text: p.fits ? 'yes' : 'no' },
    { key: 'max_context', label: 'Largest context', value: p.max_context,
      text: p.max_context > 0 ? `${p.max_context.toLocaleString('en-US')} tokens per sequence` : 'none (the weights alone do not fit)' },
  ];
  answer.replaceChildren(el('h2', {}, `${p.model} on ${p.hardware}`), figures(rows),
    p.serve_command ? el('p', {}, 'Serve it: ', el('code', { id: 'serve-command' }, p.serve_command)) : '');
}

// Powers of two from 256 up to the trained context, and the chosen one.
function contexts(p) {
  const out = new Set([p.ctx]);
  for (let c = 256; c < p.trained_context; c *= 2) out.add(c);
  out.add(p.trained_context);
  return [...out].sort((a, b) => a - b);
}

async function plan(body) {
  const p = await toolApi('plan', body);
  show(p);
  const series = await Promise.all(contexts(p).map((ctx) => (ctx === p.ctx ? p : toolApi('plan', { ...body, ctx }))));
  drawMemoryChart(chart, series, `Memory of ${p.model} on ${p.hardware} against context`);
}

mountTool(form, document.getElementById('notice'), plan, { prefer: { source: 'shape:llama3.2-1b' } });
