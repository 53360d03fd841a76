// /tools/cost: `hearth cost --json`, one comparison per cloud price.
import { el } from './shell.js';
import { figures, formatCount, formatRate, formatUsd, mountTool, toolApi } from './tools.js';

const form = document.getElementById('tool-form');
const answer = document.getElementById('answer');

function comparison(c, i) {
  const never = c.months_to_break_even === null;
  return el('section', { class: 'comparison' },
    el('h3', {}, `Against ${c.cloud}`),
    figures([
      { key: 'output_tokens_per_month', label: 'Output tokens per month', value: c.output_tokens_per_month,
        text: `${formatCount(c.output_tokens_per_month / 1e6)} M` },
      { key: 'cloud_usd_per_month', label: 'That volume in the cloud', value: c.cloud_usd_per_month, text: `${formatUsd(c.cloud_usd_per_month)} a month` },
      { key: 'owned_usd_per_month', label: 'Owning', value: c.owned_usd_per_month,
        text: `${formatUsd(c.owned_usd_per_month)} a month (${formatUsd(c.electricity_usd_per_month)} electricity)` },
      { key: 'break_even_output_tokens_per_month', label: 'Break-even volume', value: c.break_even_output_tokens_per_month,
        text: `${formatCount(c.break_even_output_tokens_per_month / 1e6)} M output tokens a month` },
      { key: 'months_to_break_even', label: 'Pays for itself in', value: never ? 'never' : c.months_to_break_even,
        text: never ? 'never (electricity costs more than the cloud)' : `${Math.ceil(c.months_to_break_even)} months` },
    ], `c${i}-`));
}

function show(c) {
  answer.replaceChildren(
    figures([{ key: 'tok_s', label: 'Decode, all sequences', value: c.tok_s, text: formatRate(c.tok_s) }]),
    ...c.comparisons.map(comparison),
    el('p', { class: 'notice' }, `Input tokens: ${c.input_per_output} per output token, their prefill counted as free.`));
}

mountTool(form, document.getElementById('notice'), async (body) => show(await toolApi('cost', body)),
  { prefer: { source: 'shape:llama3.1-8b', hardware: 'rtx4090' } });
