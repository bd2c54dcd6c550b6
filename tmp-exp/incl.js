const p = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map(n => [n.id, n])); const parent = new Map();
for (const n of p.nodes) for (const c of n.children || []) parent.set(c, n.id);
const self = new Map(); let total = 0;
for (let i = 0; i < p.samples.length; i++) { const d = p.timeDeltas[i] || 0; self.set(p.samples[i], (self.get(p.samples[i]) || 0) + d); total += d; }
const incl = new Map();
const key = n => `${n.callFrame.functionName || '(anon)'} ${(n.callFrame.url || '').replace(/.*node_modules\//, '').replace(/.*\/work\/main\//, '')}:${n.callFrame.lineNumber}`;
for (const [id, t] of self) { const seen = new Set(); let cur = id; while (cur !== undefined) { const k = key(byId.get(cur)); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) || 0) + t); } cur = parent.get(cur); } }
const pat = new RegExp(process.argv[3] || '.');
[...incl].filter(([k]) => pat.test(k)).sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[4] || 40)).forEach(([k, t]) => console.log((100 * t / total).toFixed(1).padStart(5), k));
