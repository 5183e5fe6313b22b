import type * as vscode from 'vscode';
import type { AdapterComparison } from '../../core/subspace/compare';
import type { AnalysisService } from '../analysis/analysisService';
import { readSettings } from '../settings';
import { comparisonPayload, phiGridPayload } from '../subspacePayloads';
import type { PanelJob } from './runInPanel';

/**
 * Compares `reference` (A) with each of `others` in the worker, one pair after another, and
 * sends the module × adapter matrices to the panel. The φ grid of a module is computed when
 * the panel asks for it (a compare job restricted to that module), not up front.
 */
export function comparisonJob(service: AnalysisService, reference: string, others: readonly string[], title: string): PanelJob {
  return {
    title,
    kind: 'comparison',
    handlers: {
      phiGrid: async (module, other, token) => {
        const target = others[other];
        if (target === undefined) throw new Error(`there is no adapter ${other} in this comparison`);
        const { output: result } = await service.jobs.run(
          'compare',
          { pathA: reference, pathB: target, options: { only: [module], grids: [module], compute: readSettings().compute } },
          { token },
        );
        const grid = phiGridPayload(module, other, result);
        if (!grid) throw new Error(`${module} could not be compared: ${result.unmatched.find((u) => u.name === module)?.reason ?? 'not found in A'}`);
        return grid;
      },
    },
    run: async (panel, token: vscode.CancellationToken, report) => {
      const results: AdapterComparison[] = [];
      let seconds = 0;
      for (const [j, other] of others.entries()) {
        const outcome = await service.jobs.run(
          'compare',
          { pathA: reference, pathB: other, options: { compute: readSettings().compute } },
          {
            token,
            // Progress over all pairs: each pair counts as an equal share.
            onProgress: ({ done, total, module }) => report(j * total + done, others.length * total, module),
          },
        );
        results.push(outcome.output);
        seconds += outcome.seconds;
      }
      panel.notify('comparison', comparisonPayload(reference, others, results, seconds));
    },
  };
}
