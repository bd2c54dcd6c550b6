#!/usr/bin/env node
// Adds lock entries for optional platform packages this registry mirror does not serve, so `npm ci` sees the lock
// in sync; npm skips them at install time on other platforms anyway.
const fs = require('fs');
const file = process.argv[2];
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pk = lock.packages;
const platform = (name) => {
  const m = name.match(
    /-(darwin|linux|win32|freebsd|android)-(arm64|x64|arm|ia32|ppc64|s390x)(?:-(gnu|musl|gnueabihf|msvc))?$/,
  );
  if (!m) return null;
  const e = { os: [m[1]], cpu: [m[2]] };
  if (m[3] === 'gnu' || m[3] === 'gnueabihf') e.libc = ['glibc'];
  if (m[3] === 'musl') e.libc = ['musl'];
  return e;
};
let added = 0;
for (const [path, meta] of Object.entries(pk)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    const nested = `${path}/node_modules/${dep}`;
    if (pk[key] || pk[nested]) continue;
    const p = platform(dep);
    if (!p) continue;
    pk[key] = { version, optional: true, ...p };
    added++;
  }
}
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log('added', added);
