// Builds ../graphiql.html.gz: GraphiQL, React, Monaco (with its web
// workers) and the exo additions in src/, bundled with esbuild into one
// self-contained HTML file (nothing is loaded from the network), then
// gzipped for go:embed.
//
//   cd playground/build && npm ci && node build.mjs     (or: go generate ./playground)
//
// The page carries `window.exoConfig=` followed by a placeholder; the Go
// handler replaces the placeholder with the server's configuration without
// recompressing the bundle. For that the gzip file is laid out as:
//
//   gzip header, with the comment
//     "exo-playground prefix=P suffix=S crc=C len=L"
//   raw deflate of the first P bytes (the page up to `window.exoConfig=`)
//     plus the placeholder, ending with a sync flush (not final)
//   raw deflate of the rest of the page (L bytes, CRC-32 C), a complete
//     stream starting at byte S of the file
//   gzip trailer (CRC-32 and size of the whole page)
//
// so that it is also an ordinary gzip file (zcat shows the page).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'graphiql.html.gz');
const debugHTML = path.join(here, 'dist', 'graphiql.html');

const common = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  write: false,
  logLevel: 'warning',
  target: ['es2020'],
  define: { 'process.env.NODE_ENV': '"production"' },
};

// 1. Monaco's workers, each bundled into one IIFE script (the page starts
// them from blob URLs).
const workerEntries = {
  editorWorker: 'monaco-editor/esm/vs/editor/editor.worker.js',
  jsonWorker: 'monaco-editor/esm/vs/language/json/json.worker.js',
  graphqlWorker: 'monaco-graphql/esm/graphql.worker.js',
};
const workers = {};
for (const [name, entry] of Object.entries(workerEntries)) {
  const r = await esbuild.build({ ...common, entryPoints: [entry], format: 'iife', absWorkingDir: here });
  workers[name] = r.outputFiles[0].text;
}

// 2. The application: JS and CSS (fonts and images inlined as data URLs).
const workersPlugin = {
  name: 'exo-workers',
  setup(build) {
    build.onResolve({ filter: /^exo:workers$/ }, () => ({ path: 'workers', namespace: 'exo' }));
    build.onLoad({ filter: /.*/, namespace: 'exo' }, () => ({
      loader: 'js',
      contents: Object.entries(workers)
        .map(([k, v]) => `export const ${k} = ${JSON.stringify(v)};`)
        .join('\n'),
    }));
  },
};
const app = await esbuild.build({
  ...common,
  absWorkingDir: here,
  entryPoints: ['src/main.jsx'],
  outdir: 'dist',
  format: 'iife',
  jsx: 'automatic',
  loader: { '.ttf': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl', '.svg': 'dataurl', '.png': 'dataurl' },
  plugins: [workersPlugin],
});
const js = app.outputFiles.find(f => f.path.endsWith('.js')).text;
const css = app.outputFiles.find(f => f.path.endsWith('.css')).text;

// Inline script and style: neither may close its element early.
const safeJS = js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
if (/<\/style/i.test(css)) throw new Error('the CSS contains </style');
if (/https?:\/\/[^\s"'`)]*\.(js|css|woff2?|ttf)\b/.test(css)) throw new Error('the CSS loads something from the network');

const prefix = [
  '<!doctype html>',
  '<html lang="en">',
  '<head>',
  '<meta charset="utf-8">',
  '<meta name="viewport" content="width=device-width, initial-scale=1">',
  '<title>Exo Playground</title>',
  '<link rel="icon" href="data:,">',
  '<script>window.exoConfig=',
].join('\n');
const placeholder = '/*EXO_CONFIG*/null';
const suffix = [
  ';</script>',
  `<style>${css}</style>`,
  '</head>',
  '<body>',
  '<div id="root"></div>',
  `<script>${safeJS}</script>`,
  '</body>',
  '</html>',
  '',
].join('\n');

// 3. The gzip file.
const level = { level: 9, memLevel: 9 };
const head = zlib.deflateRawSync(Buffer.from(prefix + placeholder), { ...level, finishFlush: zlib.constants.Z_SYNC_FLUSH });
const tail = zlib.deflateRawSync(Buffer.from(suffix), level);
const prefixLen = Buffer.byteLength(prefix);
const suffixLen = Buffer.byteLength(suffix);
const pad = (n, w) => String(n).padStart(w, '0');
const commentFor = offset =>
  `exo-playground prefix=${pad(prefixLen, 8)} suffix=${pad(offset, 10)} crc=${zlib
    .crc32(suffix)
    .toString(16)
    .padStart(8, '0')} len=${pad(suffixLen, 10)}`;
const headerLen = 10 + commentFor(0).length + 1;
const header = Buffer.concat([
  Buffer.from([0x1f, 0x8b, 8, 0x10 /* FCOMMENT */, 0, 0, 0, 0, 2 /* max compression */, 255 /* unknown OS */]),
  Buffer.from(commentFor(headerLen + head.length) + '\0', 'latin1'),
]);
if (header.length !== headerLen) throw new Error('header length');
const whole = prefix + placeholder + suffix;
const trailer = Buffer.alloc(8);
trailer.writeUInt32LE(zlib.crc32(whole), 0);
trailer.writeUInt32LE(Buffer.byteLength(whole) % 2 ** 32, 4);
const gz = Buffer.concat([header, head, tail, trailer]);

// The result must be an ordinary gzip file of the page.
if (zlib.gunzipSync(gz).toString() !== whole) throw new Error('the gzip file does not decompress to the page');

fs.mkdirSync(path.dirname(debugHTML), { recursive: true });
fs.writeFileSync(debugHTML, whole);
fs.writeFileSync(out, gz);
const mb = n => (n / 1e6).toFixed(2) + ' MB';
console.log(
  `graphiql.html: ${mb(Buffer.byteLength(whole))} (JS ${mb(js.length)}, CSS ${mb(css.length)}, workers ${mb(
    Object.values(workers).reduce((n, w) => n + w.length, 0),
  )}); graphiql.html.gz: ${mb(gz.length)}`,
);
