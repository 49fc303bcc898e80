// The layering of docs/ARCHITECTURE.md, enforced: a package imports only what sits below it, and nothing cycles.
const allowed = {
  protocol: [],
  crypto: ['protocol'],
  federation: ['protocol'],
  server: ['protocol', 'federation', 'crypto'],
  'storage-sqlite': ['server', 'protocol'],
  'storage-postgres': ['server', 'protocol'],
  sdk: ['protocol', 'crypto'],
};

const forbidden = [
  {
    name: 'no-circular',
    severity: 'error',
    comment: 'Import cycles make layers meaningless.',
    from: {},
    to: { circular: true },
  },
  ...Object.entries(allowed).map(([pkg, deps]) => ({
    name: `layer-${pkg}`,
    severity: 'error',
    comment: `packages/${pkg} may import only: ${deps.join(', ') || 'nothing of ours'}`,
    from: { path: `^packages/${pkg}/src` },
    to: {
      path: '^(packages|apps)/([^/]+)/',
      pathNot: [`^packages/${pkg}/`, ...deps.map((d) => `^packages/${d}/`)],
    },
  })),
  {
    name: 'browser-safe',
    severity: 'error',
    comment:
      'protocol, crypto and the sdk core run in the browser: no node: modules, no native or server packages.',
    from: {
      path: '^packages/(protocol|crypto|sdk)/src',
      pathNot: ['^packages/crypto/src/node\\.ts$', '^packages/sdk/src/node/'],
    },
    to: {
      dependencyTypes: ['core'],
    },
  },
  {
    name: 'browser-safe-packages',
    severity: 'error',
    comment: 'The browser bundle never pulls in pg, better-sqlite3 or ws.',
    from: {
      path: '^packages/(protocol|crypto|sdk)/src',
      pathNot: ['^packages/crypto/src/node\\.ts$', '^packages/sdk/src/node/'],
    },
    to: { path: 'node_modules/(pg|better-sqlite3|ws|kysely|fastify)/' },
  },
  {
    name: 'no-apps-from-packages',
    severity: 'error',
    comment: 'Libraries never reach up into apps.',
    from: { path: '^packages/' },
    to: { path: '^apps/' },
  },
];

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'] },
  },
};
