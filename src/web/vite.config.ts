import { brotliCompressSync, gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

// The client is always built for production: an inherited NODE_ENV (vitest sets `test`) would
// otherwise give a development bundle (JSX dev runtime, ~40% larger).
process.env.NODE_ENV = 'production';

/** Where the built client lands; the gateway serves this directory (src/gateway/routes/web.ts). */
const outDir = fileURLToPath(new URL('../../dist/web', import.meta.url));

/**
 * Writes .br and .gz beside every text asset so the gateway serves them precompressed
 * (serveStatic's `precompressed`) instead of compressing on every request.
 */
function precompress(): Plugin {
  return {
    name: 'cv-precompress',
    apply: 'build',
    enforce: 'post',
    generateBundle(_opts, bundle) {
      for (const [name, file] of Object.entries(bundle)) {
        if (!/\.(js|css|html|svg)$/.test(name)) continue;
        const source = file.type === 'chunk' ? file.code : file.source;
        const buf = Buffer.from(source);
        this.emitFile({ type: 'asset', fileName: `${name}.gz`, source: gzipSync(buf, { level: 9 }) });
        this.emitFile({ type: 'asset', fileName: `${name}.br`, source: brotliCompressSync(buf) });
      }
    },
  };
}

// Vite requires a default export from its config file: the one exception to named exports.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'hono/jsx/dom' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  plugins: [precompress()],
});
