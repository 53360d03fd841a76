// The memory-vs-context chart of /tools/memory, drawn as inline SVG (no
// library): weights, KV cache, compute buffers and runtime overhead stacked
// over the context (log scale), with the device memory (RAM or VRAM) as a
// line and the part a model may use as a dashed line.
const NS = 'http://www.w3.org/2000/svg';
const W = 720, H = 340;
const PAD = { left: 72, right: 16, top: 16, bottom: 44 };
// Bottom to top, with the plan JSON's field and the CSS class that colours it.
export const LAYERS = [
  { field: 'weights_bytes', label: 'Weights', cls: 'weights' },
  { field: 'kv_bytes', label: 'KV cache', cls: 'kv' },
  { field: 'buffers_bytes', label: 'Compute buffers', cls: 'buffers' },
  { field: 'overhead_bytes', label: 'Runtime overhead', cls: 'overhead' },
];

function node(tag, attrs = {}, text) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
}

const gib = (b) => b / 2 ** 30;

// A round tick step (1, 2 or 5 x 10^k GiB) giving at most 6 steps up to `top` bytes.
function tickStep(top) {
  const raw = gib(top) / 6;
  const unit = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * unit).find((s) => s >= raw) * 2 ** 30;
}

// Replaces `figure`'s content with the chart. plans: `hearth plan --json`
// objects at increasing contexts (same model and hardware). Each area is a
// <path data-layer=FIELD>; the memory lines are <line data-line=memory|usable>.
export function drawMemoryChart(figure, plans, title) {
  const devices = plans[0].devices;
  const memory = devices.reduce((s, d) => s + d.memory_bytes, 0);
  const usable = devices.reduce((s, d) => s + d.usable_bytes, 0);
  const top = Math.max(memory, ...plans.map((p) => p.total_bytes)) * 1.08;
  const lx = (c) => Math.log2(c);
  const x0 = lx(plans[0].ctx), x1 = lx(plans.at(-1).ctx);
  const x = (c) => PAD.left + ((lx(c) - x0) / Math.max(x1 - x0, 1e-9)) * (W - PAD.left - PAD.right);
  const y = (b) => H - PAD.bottom - (b / top) * (H - PAD.top - PAD.bottom);

  const svg = node('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-title chart-desc', class: 'memory-chart' });
  svg.append(node('title', { id: 'chart-title' }, title));
  svg.append(node('desc', { id: 'chart-desc' }, plans.map((p) =>
    `${p.ctx} tokens: ${gib(p.total_bytes).toFixed(2)} GiB`).join('; ') + `; device memory ${gib(memory).toFixed(2)} GiB`));

  // Axes: GiB ticks up the side, contexts along the bottom.
  const step = tickStep(top);
  const digits = Math.max(0, -Math.floor(Math.log10(gib(step))));
  for (let b = 0; b <= top; b += step) {
    svg.append(node('line', { x1: PAD.left, x2: W - PAD.right, y1: y(b), y2: y(b), class: 'grid' }));
    svg.append(node('text', { x: PAD.left - 6, y: y(b) + 4, 'text-anchor': 'end', class: 'tick' }, `${gib(b).toFixed(digits)} GiB`));
  }
  for (const p of plans) {
    svg.append(node('text', { x: x(p.ctx), y: H - PAD.bottom + 16, 'text-anchor': 'middle', class: 'tick' },
      p.ctx >= 1024 ? `${p.ctx / 1024}K` : String(p.ctx)));
  }
  svg.append(node('text', { x: (W + PAD.left) / 2, y: H - 6, 'text-anchor': 'middle', class: 'axis' }, 'context (tokens per sequence)'));

  // Stacked areas, bottom layer first.
  const below = plans.map(() => 0);
  for (const layer of LAYERS) {
    const above = plans.map((p, i) => below[i] + p[layer.field]);
    const upper = plans.map((p, i) => `${x(p.ctx)},${y(above[i])}`);
    const lower = plans.map((p, i) => `${x(p.ctx)},${y(below[i])}`).reverse();
    svg.append(node('path', { d: `M${upper.join('L')}L${lower.join('L')}Z`, class: `area ${layer.cls}`, 'data-layer': layer.field }));
    above.forEach((v, i) => { below[i] = v; });
  }
  const hline = (bytes, kind, label) => {
    svg.append(node('line', { x1: PAD.left, x2: W - PAD.right, y1: y(bytes), y2: y(bytes), class: `limit ${kind}`, 'data-line': kind }));
    svg.append(node('text', { x: W - PAD.right - 4, y: y(bytes) - 5, 'text-anchor': 'end', class: `limit-label ${kind}` }, label));
  };
  hline(memory, 'memory', `memory ${gib(memory).toFixed(1)} GiB`);
  if (usable < memory) hline(usable, 'usable', `usable ${gib(usable).toFixed(1)} GiB`);

  const legend = document.createElement('figcaption');
  legend.className = 'legend';
  for (const layer of LAYERS) {
    const swatch = document.createElement('span');
    swatch.className = `swatch ${layer.cls}`;
    legend.append(swatch, ` ${layer.label} `);
  }
  figure.replaceChildren(svg, legend);
}
