/**
 * The page's stand-in for VS Code, installed with `page.addInitScript` before the bundle runs.
 * It records every message the webview posts (structured-cloned, as VS Code would, so an
 * uncloneable payload fails here too), answers requests the way the host would, counts
 * dialogs and CSP violations, and keeps `setState` across a reload when given a saved state.
 */
export interface LensProbe {
  posted: unknown[];
  state: unknown;
  violations: string[];
  acquired: number;
}

declare global {
  interface Window {
    __lens: LensProbe;
    acquireVsCodeApi: () => { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
  }
}

export function installFakeVsCode(savedJson: string): void {
  const saved: unknown = JSON.parse(savedJson);
  const probe: LensProbe = { posted: [], state: saved ?? undefined, violations: [], acquired: 0 };
  window.__lens = probe;
  document.addEventListener('securitypolicyviolation', (event) => probe.violations.push(`${event.violatedDirective} ${event.blockedURI}`));
  const answer = (method: string, params: Record<string, unknown>): unknown => {
    switch (method) {
      case 'exportReport':
        return { file: `/tmp/report.${String(params.format)}` };
      case 'copyLayerStats':
        return { copied: Array.isArray(params.indices) ? params.indices.length : 0 };
      case 'cancelAnalysis':
        return { cancelled: true };
      // The host's check runs the predictor on reparametrized copies; its badge then comes as `predictions`.
      case 'checkInvariance':
        return { invariant: true, maxRelativeChange: 2.5e-15 };
      case 'saveExport':
        return { file: `/tmp/${String(params.name)}` };
      case 'resizeAdapter':
        return { file: '/tmp/resized-adapter' };
      default:
        return {};
    }
  };
  window.acquireVsCodeApi = () => {
    probe.acquired++;
    if (probe.acquired > 1) throw new Error('acquireVsCodeApi called twice');
    return {
      postMessage: (message: unknown) => {
        const copy = structuredClone(message) as { kind?: string; id?: number; method?: string; params?: Record<string, unknown> };
        probe.posted.push(copy);
        // φ grids and rank plans are computed by the host from the files: the tests answer them with recorded ones.
        if (copy.kind === 'request' && typeof copy.method === 'string' && copy.method !== 'phiGrid' && copy.method !== 'recommendRanks') {
          const result = answer(copy.method, copy.params ?? {});
          setTimeout(() => window.postMessage({ kind: 'response', id: copy.id, result }, '*'), 0);
        }
      },
      getState: () => probe.state,
      setState: (state: unknown) => {
        probe.state = structuredClone(state);
      },
    };
  };
}
