import type { SafetensorsHeader } from '../safetensors/types';
import type { AdaptedModule, AdapterFormat } from './model';

const FLOAT_DTYPES: ReadonlySet<string> = new Set(['F16', 'BF16', 'F32', 'F64']);

/**
 * The module as it stands when its DoRA magnitude vector fits it; otherwise without the vector
 * and with a warning, so the analysis does not summarize it and a resize does not copy it.
 *
 * Lengths the writers store:
 * - PEFT (peft/tuners/lora/dora.py, DoraLinearLayer.update_layer / get_weight_norm): the norm of
 *   each output row of W, so [out_features] for Linear and [out_channels, 1, …] for convolutions
 *   (_DoraConvNdLayer keeps the dims); embeddings are checked against both sides of the table.
 * - mlx-lm (mlx_lm/tuner/dora.py, DoRALinear): `m` is the norm of each row of W, [output_dims].
 * - LyCORIS (lycoris/modules/locon.py, `dora_scale`): [1, in_features, 1, …] by default and
 *   [out_features, 1, …] with `wd_on_out`; either is accepted.
 */
export function checkedMagnitude(module: AdaptedModule, header: SafetensorsHeader, format: AdapterFormat): AdaptedModule {
  if (!module.magnitude) return module;
  const info = header.byName.get(module.magnitude);
  if (!info) return module;
  const [m, n] = module.shape;
  const spatial = module.kernel ? module.kernel.reduce((a, b) => a * b, 1) : 1;
  const lengths = new Set<number>(format === 'kohya' || format === 'lycoris' ? [m, n, spatial > 0 ? n / spatial : n] : module.kind === 'embedding' ? [m, n] : [m]);
  const vectorLike = info.shape.filter((d) => d !== 1).length <= 1;
  let problem: string | null = null;
  if (!FLOAT_DTYPES.has(info.dtype)) problem = `has dtype ${info.dtype}, not a floating-point vector`;
  else if (!vectorLike || !lengths.has(info.elements)) {
    const expected = [...lengths].join(' or ');
    problem = `has shape [${info.shape.join(', ')}] (${info.elements} values) where ${expected} values are expected, one per ${lengths.size === 1 ? 'output feature' : 'feature'} of this ${m}×${n} module`;
  }
  if (problem === null) return module;
  const { magnitude: _dropped, ...rest } = module;
  return { ...rest, warnings: [...module.warnings, `its DoRA magnitude vector ${info.name} ${problem}: it is not used (not analysed, and not copied by a resize)`] };
}
