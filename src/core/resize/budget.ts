import { ResizeError } from './errors';

/** One module as the allocator sees it: its spectrum, how many components it may keep, its cost. */
export interface BudgetModule {
  readonly name: string;
  /** Descending singular values. */
  readonly sigma: Float64Array;
  /** Most components it may keep: min(current rank, number of σ). */
  readonly capacity: number;
  /** Cost of one kept component: 1 for a rank budget, m + n for a parameter budget. */
  readonly cost: number;
}

/**
 * Global budget allocation (docs/design.md §7): every module first keeps its top component, then the
 * remaining budget goes to the components with the largest σ² per unit of cost, one at a time,
 * skipping any that no longer fits.
 *
 * For a rank budget (all costs 1) this keeps the largest σ² overall subject to one per module,
 * which maximizes the kept energy Σσ² exactly: within a module σ² descends, so the best set is
 * a prefix of each module's spectrum. For a parameter budget the order is σ²/(m + n), the
 * standard greedy for this knapsack; it is optimal when all modules cost the same and otherwise
 * within one component's σ² of the optimum. Ties go to the earlier module, then the earlier
 * component, so every module keeps a prefix. Throws BUDGET_TOO_SMALL when the budget cannot give
 * each module one component.
 */
export function allocateBudget(modules: readonly BudgetModule[], total: number, unit: 'rank' | 'params'): number[] {
  const kept = modules.map((m) => (m.capacity > 0 ? 1 : 0));
  let left = total;
  for (let j = 0; j < modules.length; j++) left -= kept[j] * modules[j].cost;
  if (left < 0) {
    const need = total - left;
    const what = unit === 'rank' ? `a total rank of ${total}` : `${total} parameters`;
    throw new ResizeError(
      'BUDGET_TOO_SMALL',
      `a budget of ${what} cannot keep one component in each of the ${modules.length} modules (that needs ${need}${unit === 'rank' ? '' : ' parameters'})`,
    );
  }
  const candidates: { module: number; index: number; value: number }[] = [];
  for (let j = 0; j < modules.length; j++) {
    const { sigma, capacity, cost } = modules[j];
    for (let i = 1; i < capacity; i++) candidates.push({ module: j, index: i, value: (sigma[i] * sigma[i]) / cost });
  }
  candidates.sort((a, b) => b.value - a.value || a.module - b.module || a.index - b.index);
  for (const c of candidates) {
    const cost = modules[c.module].cost;
    if (cost > left) continue;
    kept[c.module]++;
    left -= cost;
    if (left <= 0) break;
  }
  return kept;
}
