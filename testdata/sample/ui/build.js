// The UI "build": renders src/ into out/ (index.html, app.js, style.css) with the package's
// name and version filled in, comment-only lines dropped and a banner on .js/.css.
// Deterministic (no dates, sorted output): an unchanged UI gives a byte-identical layer.
// Node >= 18, no dependencies.
'use strict';
const fs = require('fs');
const path = require('path');

const pkg = require('./package.json');
const values = { title: 'cairn sample', version: pkg.version, accent: '#2a6f97' };
const src = path.join(__dirname, 'src');
const out = path.join(__dirname, 'out');

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out);
for (const name of fs.readdirSync(src).sort()) {
  const text = fs.readFileSync(path.join(src, name), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\/\*.*\*\/\s*$)/.test(line))
    .join('\n')
    .replace(/{{(\w+)}}/g, (_, key) => {
      if (!(key in values)) throw new Error(`${name}: unknown {{${key}}}`);
      return values[key];
    });
  const banner = name.endsWith('.html') ? '' : `/* ${pkg.name} ${pkg.version} */\n`;
  fs.writeFileSync(path.join(out, name), banner + text);
  console.log(`out/${name}`);
}
