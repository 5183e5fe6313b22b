import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** Project root, from out/test/webview/ where the compiled tests run. */
export const ROOT = join(__dirname, '..', '..', '..');

const FILES: Record<string, { readonly path: string; readonly type: string }> = {
  '/dist/webview.js': { path: 'dist/webview.js', type: 'text/javascript' },
  '/media/webview.css': { path: 'media/webview.css', type: 'text/css' },
  '/dist/subspace.js': { path: 'dist/subspace.js', type: 'text/javascript' },
  '/media/subspace.css': { path: 'media/subspace.css', type: 'text/css' },
};

/**
 * The host's page (src/host/webviewHtml.ts) with the server's origin standing in for
 * `webview.cspSource`: same CSP (no inline styles or scripts, a nonce on the one script),
 * same `#app`, stylesheet and script.
 */
function page(origin: string, subspace = false): string {
  const nonce = randomBytes(16).toString('base64');
  const csp = ["default-src 'none'", `style-src ${origin}`, `script-src 'nonce-${nonce}'`, `img-src ${origin} data:`, `font-src ${origin}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${origin}/media/webview.css">${subspace ? `\n<link rel="stylesheet" href="${origin}/media/subspace.css">` : ''}
<title>LoRA Lens test</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${origin}/dist/${subspace ? 'subspace' : 'webview'}.js"></script>
</body>
</html>`;
}

export interface TestServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the pages (`/` the editor's, `/subspace.html` the subspace panel's) and the bundles on 127.0.0.1 at a free port. */
export async function startServer(): Promise<TestServer> {
  let origin = '';
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/' || path === '/index.html' || path === '/subspace.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(origin, path === '/subspace.html'));
      return;
    }
    if (path === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    const file = FILES[path];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    readFile(join(ROOT, file.path)).then(
      (body) => response.writeHead(200, { 'content-type': file.type }).end(body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${origin}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
