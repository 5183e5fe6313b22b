import { openTensorSource } from '../container/open';
import type { TensorSource } from '../container/source';
import type { BuildContext, BuildResult } from './build';
import { readConfigBeside } from './config';
import { detectFormat } from './detect';
import { buildDiffusionVariant, markFusedSlices } from './diffusionExtras';
import { describeFullRankPieces } from './fullRankPieces';
import { applyGuess, guessFactors, undoublePrefix } from './guess';
import { buildDiffusers } from './diffusers';
import { buildGguf } from './gguf';
import { groupKeys, type GroupedKeys } from './group';
import { buildKohya } from './kohya';
import { checkedMagnitude } from './magnitude';
import { buildLycorisTuners } from './lycorisTuners';
import { buildMlx } from './mlx';
import type { Adapter } from './model';
import { checkBaseModel } from './architecture';
import { sortNatural } from './naturalOrder';
import { buildPeft } from './peft';
import { resolveWeightsFile } from './resolve';
import { withTunerStatistics } from './tunerStats';
import { buildTorchtune } from './torchtune';

/** An adapter and the open file its factors are read from; close the file when done. */
export interface OpenedAdapter {
  readonly adapter: Adapter;
  readonly file: TensorSource;
}

/**
 * Opens a weights file or adapter folder and normalizes it: a header-only read, the config
 * beside it, and the few scalar tensors (alphas) the scale needs. Factors are not read here, nor
 * are full-rank pieces (modules_to_save, biases, diffs): their norms are the analysis' work.
 * Throws SafetensorsError / PickleError / AdapterError for files that cannot be read at all; everything
 * short of that becomes a warning on the adapter or on a module.
 */
export async function openAdapter(path: string): Promise<OpenedAdapter> {
  const weights = await resolveWeightsFile(path);
  const file = await openTensorSource(weights);
  try {
    const adapter = await describeAdapter(file);
    return { adapter, file };
  } catch (error) {
    await file.close();
    throw error;
  }
}

/** Normalizes an already open file into the Adapter model. */
export async function describeAdapter(file: TensorSource): Promise<Adapter> {
  const header = file.header;
  const { config, warnings: configWarnings } = await readConfigBeside(header.file);
  const found = groupKeys(header);
  // Factors under keys no rule knows are paired by a guessed rule rather than dropped (guess.ts).
  const guessed = guessFactors(found);
  const undoubled = undoublePrefix(guessed ? guessed.grouped : found);
  const grouped = undoubled.grouped;
  const scalars = await readScalars(file, grouped);
  const ctx: BuildContext = { header, grouped, config, scalars };
  const format = guessed && !guessed.mixed ? 'kohya' : detectFormat(guessed ? undoublePrefix(found).grouped : grouped, config, header.metadata, file.container);
  const raw = build(format, ctx);
  const built = guessed ? applyGuess(raw, guessed, format) : raw;
  const extraWarnings = undoubled.warning ? [undoubled.warning] : [];
  const marked = markFusedSlices(
    sortNatural(
      await withTunerStatistics(
        file,
        built.modules.map((m) => checkedMagnitude(m, header, format)),
        config?.values ?? {},
      ),
      (m) => m.name,
    ),
    extraWarnings,
  );
  const modules = marked;
  const otherTensors = describeFullRankPieces(modules, built.otherTensors, extraWarnings);
  const base = checkBaseModel(built.baseModel, modules);
  return {
    file: header.file,
    container: file.container,
    header,
    format,
    formatDetail: built.formatDetail,
    peftType: built.peftType,
    baseModel: base.baseModel,
    config,
    modules,
    otherTensors,
    analysable: built.analysable,
    warnings: [...configWarnings, ...built.warnings, ...extraWarnings, ...base.warnings],
  };
}

function build(format: Adapter['format'], ctx: BuildContext): BuildResult {
  switch (format) {
    case 'peft':
      return buildPeft(ctx);
    case 'kohya':
      return buildKohya(ctx, false);
    case 'lycoris':
      return buildKohya(ctx, true);
    case 'diffusers':
      return buildDiffusionVariant(ctx) ?? buildDiffusers(ctx);
    case 'mlx':
      return buildMlx(ctx);
    case 'gguf':
      return buildGguf(ctx);
    case 'torchtune':
      return buildTorchtune(ctx);
    case 'unknown':
      return buildLycorisTuners(ctx) ?? noAdapter(ctx);
  }
}

function noAdapter(ctx: BuildContext): BuildResult {
  const count = ctx.header.tensors.length;
  return {
    formatDetail: 'no adapter found',
    peftType: null,
    baseModel: null,
    modules: [],
    otherTensors: ctx.header.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, role: 'full weight' })),
    analysable: false,
    warnings: [`no LoRA factors found among the ${count} tensor${count === 1 ? '' : 's'}: this looks like a full model or another kind of checkpoint; its tensors are listed`],
  };
}

/** Reads the one-element alpha tensors; a value that is not a finite number is left out. */
async function readScalars(file: TensorSource, grouped: GroupedKeys): Promise<Map<string, number>> {
  const scalars = new Map<string, number>();
  // An `.alpha` beside factors no key rule knows (LyCORIS GLoRA's a1/b1/…) is read too.
  const alphas = grouped.modules.map((parts) => parts.parts.get('alpha')).concat(grouped.unclassified.filter((t) => t.name.endsWith('.alpha')));
  for (const alpha of alphas) {
    if (!alpha || alpha.elements !== 1) continue;
    try {
      const [value] = await file.readFloat64(alpha);
      if (Number.isFinite(value)) scalars.set(alpha.name, value);
    } catch {
      // An alpha of a dtype that is not numeric stays unknown; the module warns about it.
    }
  }
  return scalars;
}
