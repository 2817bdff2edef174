// Runs the page's own row builders (rows.js), token layout (tokenlayout.js) and narrow chart layout
// (narrow.js) on the calls listed in a JSON file, in Node. Usage: node rows_in_node.mjs SITE_DIR CALLS.json
// -> JSON on stdout: one result per call. A call is { module: 'rows' | 'tokenlayout' | 'narrow', fn: exported
// name, args: [...] }; an fn naming a constant gets its value.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [site, callsFile] = process.argv.slice(2);
const modules = {
  rows: await import(pathToFileURL(join(site, 'assets', 'rows.js'))),
  tokenlayout: await import(pathToFileURL(join(site, 'assets', 'tokenlayout.js'))),
  narrow: await import(pathToFileURL(join(site, 'assets', 'narrow.js'))),
};
const calls = JSON.parse(readFileSync(callsFile, 'utf8'));
process.stdout.write(JSON.stringify(calls.map(({ module, fn, args }) => {
  const value = modules[module][fn];
  return typeof value === 'function' ? value(...args) : value;
})));
