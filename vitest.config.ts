import { defineConfig } from 'vitest/config';

/**
 * Three projects. `lab`: network namespaces, real peers and the user-mode Linux IPVS lab (root; skipped with a
 * message without it, failing under CI=true), run against the shipped build (dist/, made by the global setup).
 * `fast`: everything else, pure code and fake edges, no root and no build.
 *
 *   npm test            both, one file at a time (timing-sensitive lab files are never disturbed by another file)
 *   npm run test:fast   fast only, files in parallel
 *   npm run test:lab    lab only, one file at a time
 *   npm run test:coverage   fast only, with the coverage floors of src/core/
 *   npm run test:packaging   the packages (CI): it installs and removes a Debian package on the machine
 */
/** The packages: `npm pack` installed without a compiler, the Debian package built, installed and purged (root). */
const PACKAGING_FILES = ['test/packaging/**/*.test.ts'];

export const LAB_FILES = [
  'test/integration/**/*.test.ts',
  'test/ipvs-lab/**/*.test.ts',
  'test/netns/**/*.test.ts',
  'test/**/*.lab.test.ts',
];

export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default'],
    // `--coverage` (npm run test:coverage, and CI on one Node line): the pure core is tested whole by design, and
    // these floors, a little under what it has, keep it so.
    coverage: {
      provider: 'v8',
      include: ['src/core/**/*.ts'],
      reporter: ['text-summary'],
      thresholds: { lines: 93, statements: 90, functions: 95, branches: 84 },
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ['test/**/*.test.ts'],
          exclude: [...LAB_FILES, ...PACKAGING_FILES],
          // The command-line tests run src/cli.ts through tsx here: this project builds nothing.
          env: { VIPD_TEST_CLI: 'source' },
        },
      },
      {
        extends: true,
        test: { name: 'lab', include: LAB_FILES, globalSetup: ['test/global-setup.ts'] },
      },
      {
        extends: true,
        test: { name: 'packaging', include: PACKAGING_FILES, testTimeout: 600_000, hookTimeout: 600_000 },
      },
    ],
  },
});
