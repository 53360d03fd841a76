// /tools/tokens: `hearth tokens --json` for pasted text or chat messages,
// counted by the server with the served model's tokenizer (and chat
// template, for messages), as a request to it would be.
import { el, fillModelPicker } from './shell.js';
import { figures, formatUsd, mountTool, toolApi } from './tools.js';

const form = document.getElementById('tool-form');
const notice = document.getElementById('notice');
const answer = document.getElementById('answer');

// The messages of the pasted JSON: an array, or a request {"messages": [...]}.
function messages(text) {
  let j;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new Error(`the chat messages are not valid JSON: ${e.message}`);
  }
  if (Array.isArray(j)) return j;
  if (j && Array.isArray(j.messages)) return j.messages;
  throw new Error('give a messages array, or a request {"messages": [...]}');
}

function show(t) {
  const f = t.files[0];
  answer.replaceChildren(
    figures([
      { key: 'tokens', label: f.kind === 'chat' ? 'Tokens of the chat prompt' : 'Tokens', value: f.tokens,
        text: f.tokens.toLocaleString('en-US') },
      { key: 'fits', label: 'Fits the context', value: f.fits,
        text: f.fits === null ? 'unknown' : `${f.fits ? 'yes' : 'no'} (${t.ctx.toLocaleString('en-US')} tokens)` },
      ...Object.entries(f.input_cost_usd).map(([cloud, usd], i) =>
        ({ key: `cost${i}`, label: `As input to ${cloud}`, value: usd, text: formatUsd(usd) })),
    ]));
}

async function count(body) {
  const request = { model: body.model };
  if (body.ctx) request.ctx = body.ctx;
  if (body.kind === 'messages') request.messages = messages(body.input ?? '');
  else request.text = body.input ?? '';
  show(await toolApi('tokens', request));
}

mountTool(form, notice, async (body) => {
  if (!body.input) {  // nothing pasted yet: nothing to count
    answer.replaceChildren(el('p', { class: 'notice' }, 'Paste a text and press Count.'));
    return;
  }
  await count(body);
}, { prepare: () => fillModelPicker(document.getElementById('model'), notice) });
