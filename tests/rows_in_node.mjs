// Runs the page's own row builders (rows.js) and token layout (tokenlayout.js) on the calls listed in a
// JSON file, in Node. Usage: node rows_in_node.mjs SITE_DIR CALLS.json -> JSON on stdout: one result per
// call. A call is { module: 'rows' | 'tokenlayout', fn: exported name, args: [...] }.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [site, callsFile] = process.argv.slice(2);
const modules = {
  rows: await import(pathToFileURL(join(site, 'assets', 'rows.js'))),
  tokenlayout: await import(pathToFileURL(join(site, 'assets', 'tokenlayout.js'))),
};
const calls = JSON.parse(readFileSync(callsFile, 'utf8'));
process.stdout.write(JSON.stringify(calls.map(({ module, fn, args }) => modules[module][fn](...args))));
