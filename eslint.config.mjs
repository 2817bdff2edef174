// ESLint (flat config) for the client's ES modules, the live worker and the Node test scripts.
// `make lint` runs it with ruff; `make test` runs `make lint` first. Zero findings is the rule.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/**", "site/**", ".cache/**", ".venv/**", "artifacts/**"] },
  js.configs.recommended,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      // The page's modules run in the browser (and the worker); the build's bridge and the tests run in Node.
      globals: { ...globals.browser, ...globals.worker, ...globals.node, vega: "readonly" },
    },
    rules: {
      "max-len": ["error", { code: 120, ignoreUrls: true }],
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      eqeqeq: ["error", "smart"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
];
