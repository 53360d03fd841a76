// The shell every page shares: the top bar (brand, one link per page, the
// API key button and its dialog) and the model picker.
//
// Adding a page: write src/server/web/NAME.html (served at /NAME) with
// <header class="topbar"></header> and a module script that calls
// mountShell(), then add its entry to PAGES below.
import { ApiError, apiKey, listModels, setApiKey } from './api.js';

export const PAGES = [
  { path: '/chat', title: 'Chat' },
  { path: '/summarize', title: 'Summarize' },
  { path: '/tools', title: 'Tools' },
];

// A DOM element: attributes (`class`, `onEVENT` handlers) and children.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

// A page's link is current on the page and on its sub-pages (/tools/fit).
function current(path, here) {
  return here === path || here.startsWith(`${path}/`);
}

// Fills <header class="topbar"> and wires the API key dialog. `onKeyChange`
// runs after the key is saved (pages reload their model list).
export function mountShell({ onKeyChange } = {}) {
  const bar = document.querySelector('header.topbar');
  const here = location.pathname === '/' ? '/chat' : location.pathname;
  const nav = el('nav', { class: 'nav', 'aria-label': 'Pages' },
    ...PAGES.map((p) => el('a', { href: p.path, ...(current(p.path, here) ? { 'aria-current': 'page' } : {}) }, p.title)));
  const brand = el('a', { class: 'brand', href: '/' }, el('img', { src: '/assets/favicon.svg', alt: '' }), 'hearth');
  const keyState = el('span', { class: 'key-state', id: 'key-state' });
  const keyButton = el('button', { type: 'button', class: 'ghost', id: 'api-key-button' }, 'API key');
  bar.replaceChildren(brand, nav, keyState, keyButton);

  const input = el('input', { type: 'password', id: 'api-key', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'leave empty if the server needs none' });
  const dialog = el('dialog', { id: 'api-key-dialog' },
    el('form', { method: 'dialog' },
      el('h2', {}, 'API key'),
      el('p', { class: 'notice' }, 'Needed only when hearth serve was started with --api-key. ' +
        'Kept in this browser and sent only to this server.'),
      el('label', { class: 'field' }, 'Key', input),
      el('div', { class: 'actions' },
        el('button', { type: 'submit', value: 'cancel' }, 'Cancel'),
        el('button', { type: 'submit', value: 'save', class: 'primary', id: 'api-key-save' }, 'Save'))));
  document.body.append(dialog);

  const showState = () => { keyState.textContent = apiKey() ? 'key set' : ''; };
  showState();
  keyButton.addEventListener('click', () => {
    input.value = apiKey();
    dialog.showModal();
  });
  dialog.addEventListener('close', () => {
    if (dialog.returnValue !== 'save') return;
    setApiKey(input.value.trim());
    showState();
    onKeyChange?.();
  });
  return { openKeyDialog: () => keyButton.click() };
}

const MODEL_STORE = 'hearth.model';

// Fills `select` with the server's models, choosing the one picked last
// time when it is still there. Shows a failure in `notice` (a 401 asks for
// the key). Resolves to whether any model is available.
export async function fillModelPicker(select, notice) {
  select.replaceChildren();
  try {
    const ids = await listModels();
    select.append(...ids.map((id) => el('option', { value: id }, id)));
    const saved = localStorage.getItem(MODEL_STORE);
    if (saved && ids.includes(saved)) select.value = saved;
    select.onchange = () => localStorage.setItem(MODEL_STORE, select.value);
    showNotice(notice, ids.length ? '' : 'This server has no model to run.', !ids.length);
    return ids.length > 0;
  } catch (e) {
    showNotice(notice, e instanceof ApiError ? e.message : `Cannot reach the server: ${e.message}`, true);
    return false;
  }
}

// One line of status under a form; `error` colours it.
export function showNotice(notice, text, error = false) {
  notice.textContent = text;
  notice.classList.toggle('error', error);
}
