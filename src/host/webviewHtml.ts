import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/** The folders a webview may load from: the bundles and the static assets, nothing else. */
function webviewRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: webviewRoots(extensionUri) };
}

/** The webview bundles in dist/: the adapter editor's app, and the subspace panel's. */
export type WebviewBundle = 'webview.js' | 'subspace.js';

/**
 * The editor page: an empty `#app` the webview bundle renders into. The CSP allows only our own
 * stylesheet, fonts and images and the one script carrying this page's nonce, so text from a
 * file can never run as code even if it reached the DOM as markup.
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, bundle: WebviewBundle = 'webview.js'): string {
  const nonce = randomBytes(16).toString('base64');
  // The subspace panel adds its own few rules on top of the editor's stylesheet.
  const styles = ['webview.css', ...(bundle === 'subspace.js' ? ['subspace.css'] : [])].map((name) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', name)));
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', bundle));
  const csp = ["default-src 'none'", `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`, `img-src ${webview.cspSource} data:`, `font-src ${webview.cspSource}`].join(
    '; ',
  );
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles.map((style) => `<link rel="stylesheet" href="${style.toString()}">`).join('\n')}
<title>${escapeHtml(title)}</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
