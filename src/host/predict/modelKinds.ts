import type { PredictorModelKind } from '../../core/predict/predictor/manifest';

export type Task = 'regression' | 'classification';

/**
 * The models Train Property Predictor… offers, one entry per kind the core can train: a Record
 * over PredictorModelKind, so a kind added to the core fails to compile here until it is
 * described. `tasks` are those the kind can learn (the networks learn either).
 */
export const MODEL_KINDS: Readonly<Record<PredictorModelKind, { readonly label: string; readonly detail: string; readonly tasks: readonly Task[] }>> = {
  ridge: { label: 'Ridge regression', detail: 'Linear in the invariant spectral features', tasks: ['regression'] },
  logistic: { label: 'Logistic regression', detail: 'One-vs-rest, linear in the invariant spectral features', tasks: ['classification'] },
  mlp: { label: 'MLP', detail: 'A small network on the invariant spectral features', tasks: ['regression', 'classification'] },
  glnet: { label: 'GL-net', detail: 'A GL(r)-equivariant network on the factors themselves', tasks: ['regression', 'classification'] },
};

/** Every (model, task) pair, in the order to offer them: those that fit the column's values first. */
export function modelChoices(numeric: boolean): readonly { readonly model: PredictorModelKind; readonly task: Task }[] {
  const preferred: Task = numeric ? 'regression' : 'classification';
  const all = (Object.keys(MODEL_KINDS) as PredictorModelKind[]).flatMap((model) => MODEL_KINDS[model].tasks.map((task) => ({ model, task })));
  return [...all.filter((c) => c.task === preferred), ...all.filter((c) => c.task !== preferred)];
}
