// The build's door to the page's pure view modules (templates/assets/rules: every module of that folder, and only
// those, is run here; the folder is the list): node views.mjs ASSETS_DIR. Each line on
// stdin is a batch, [[module, name, args], ...]; each answer is one line, {"results": [...]} (a name that is not
// a function answers its value; the name '*' all the module's values) or {"error": "..."}. One process serves a
// whole build (explainer/views.py).
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const rules = join(process.argv[2], 'rules');
export const MODULES = readdirSync(rules).filter((file) => file.endsWith('.js')).map((file) => basename(file, '.js'))
  .sort();

const modules = Object.fromEntries(await Promise.all(MODULES.map(
  async (name) => [name, await import(pathToFileURL(join(rules, `${name}.js`)))])));

function answer(line) {
  try {
    return {
      results: JSON.parse(line).map(([module, name, args]) => {
        if (!Object.hasOwn(modules, module)) throw new Error(`no module ${module}`);
        if (name === '*') return { ...modules[module] };
        if (!(name in modules[module])) throw new Error(`no ${module}.${name}`);
        const value = modules[module][name];
        return typeof value === 'function' ? value(...args) : value;
      }),
    };
  } catch (error) {
    return { error: String(error?.stack ?? error) };
  }
}

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  process.stdout.write(`${JSON.stringify(answer(line))}\n`);
}
