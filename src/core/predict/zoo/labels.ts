import { csvCell } from '../../report/escape';
import type { ZooItem, ZooSetting } from './zooPlan';

/** One adapter made, with its labels. */
export interface ZooRow {
  readonly item: ZooItem;
  readonly scale: number;
  /** The step size the weights were trained with: the plan's, halved per restart (see trainLora). */
  readonly learningRate: number;
  /** Restarts at half the step size after the loss diverged; 0 for a run that trained as planned. */
  readonly restarts: number;
  readonly initialLoss: number;
  readonly finalLoss: number;
  /** Mean over blocks of |cos(top left singular vector of ΔW_b, u_b)| (u_b of the block's strongest reference term). */
  readonly alignmentU: number;
  /** Mean over blocks of |cos(top right singular vector of ΔW_b, v_b)|. */
  readonly alignmentV: number;
  /** Mean over blocks of ‖s·B·A − T_b‖_F / ‖T_b‖_F, T_b the block's reference (θ·u·vᵀ, or the terms the run's data excites). */
  readonly recoveryError: number;
}

/** The labels file's columns common to every setting, in order. */
export const LABEL_COLUMNS = [
  'adapter',
  'rank',
  'lora_alpha',
  'scale',
  'learning_rate',
  'steps',
  'batch',
  'subpopulations',
  'subpopulation_mask',
  'teacher_strength',
  'initial_loss',
  'final_loss',
  'alignment_u',
  'alignment_v',
  'seed',
  'recovery_error',
] as const;

/** The columns of a zoo's labels.csv: LABEL_COLUMNS, then `seen_<c>` per subpopulation and `planted` in the subpopulation setting. */
export function labelColumns(setting: ZooSetting, components: number): string[] {
  if (setting !== 'subpopulations') return [...LABEL_COLUMNS];
  return [...LABEL_COLUMNS, ...Array.from({ length: components }, (_, c) => `seen_${c}`), 'planted'];
}

/** labels.csv text (RFC 4180, CRLF like the inspect report's CSV). */
export function labelsCsv(rows: readonly ZooRow[], setting: ZooSetting, components: number): string {
  const lines = [labelColumns(setting, components).join(',')];
  for (const r of rows) {
    const i = r.item;
    const mask = i.components.reduce((m, c) => m | (1 << c), 0);
    const cells: (string | number)[] = [
      i.folder,
      i.rank,
      i.alpha,
      r.scale,
      r.learningRate,
      i.steps,
      i.batch,
      i.components.join('+'),
      mask,
      i.teacherStrength,
      r.initialLoss,
      r.finalLoss,
      r.alignmentU,
      r.alignmentV,
      i.seed,
      r.recoveryError,
    ];
    if (setting === 'subpopulations') {
      for (let c = 0; c < components; c++) cells.push(i.components.includes(c) ? 1 : 0);
      cells.push(i.planted ? 1 : 0);
    }
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
