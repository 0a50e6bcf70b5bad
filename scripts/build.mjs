// Bundles each binary into one file under dist/, so a node starts without resolving modules.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entries = {
  raftkv: 'src/main_node.ts',
  'raftkv-test': 'src/main_test.ts',
  'local-kv': 'src/main_local_kv.ts',
  'raftkv-sim': 'src/main_sim.ts',
};

await Promise.all(
  Object.entries(entries).map(([name, entry]) =>
    build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile: `dist/${name}.mjs`,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: 'linked',
      legalComments: 'none',
      logLevel: 'warning',
    }),
  ),
);
