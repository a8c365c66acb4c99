/**
 * The app's Vite config plus two extra pages: e2e/harness.html (test hooks, no UI) and
 * e2e/bench.html (the benchmark, driven by scripts/bench.mjs).
 *
 * `e2e/run.mjs` builds with this config, so `dist/` holds the real app (index.html, unchanged)
 * and dist/e2e/harness.html next to it. The production build (`npm run build`) never contains
 * the harness. Inputs are absolute paths from the repository root.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig, type ConfigEnv, type UserConfig } from 'vite';
import appConfig from '../vite.config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig(async (env) => {
  // The app config is an object today; accept a function config too, should it become one.
  const app: unknown = appConfig;
  const base =
    typeof app === 'function'
      ? await (app as (env: ConfigEnv) => UserConfig | Promise<UserConfig>)(env)
      : (app as UserConfig);
  return mergeConfig(base, {
    root,
    build: {
      rolldownOptions: {
        input: {
          main: `${root}index.html`,
          harness: `${root}e2e/harness.html`,
          bench: `${root}e2e/bench.html`,
        },
      },
    },
  } satisfies UserConfig);
});
