const p = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8")); const self = new Map(); const byId = new Map(p.nodes.map(n => [n.id, n]));
const dt = {}; for (let i = 0; i < p.samples.length; i++) dt[p.samples[i]] = (dt[p.samples[i]] || 0) + (p.timeDeltas[i] || 0);
// aggregate self time by url (package) and by function
const byPkg = new Map(), byFn = new Map(); let total = 0;
for (const n of p.nodes) { const t = dt[n.id] || 0; total += t; const url = n.callFrame.url || '(native)'; const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/); const pkg = m ? m[1] : (url.includes('/work/main/') ? url.replace(/.*\/work\/main\//, '') : url.slice(0, 40));
 byPkg.set(pkg, (byPkg.get(pkg) || 0) + t); const fk = n.callFrame.functionName + ' ' + pkg; byFn.set(fk, (byFn.get(fk) || 0) + t); }
const show = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).forEach(([n, t]) => console.log((100 * t / total).toFixed(1).padStart(5), n));
show(byPkg, 25); console.log('---'); show(byFn, 30);
