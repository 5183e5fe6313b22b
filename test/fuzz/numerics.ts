import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFixture, type FixtureTensor } from '../helpers/fixtures';
import { Rng } from '../helpers/random';
import { LORA_CONFIG, loraTensors, PREFIX, writeAdapter, type JsonModule, type JsonReport } from './adapter';
import { inspectAnswer } from './inspectAnswer';
import { parseJson } from './runner';
import type { CheckContext, FuzzCase, Invocation } from './types';

/**
 * Factor values and scales at the edges of float64: NaN/Inf factors, factors scaled by 1e±150
 * (ΔW's σ² sums leave float64's range while every σ is representable), F64 factors ×1e200 (ΔW
 * itself overflows), zero factors, and configs whose scale is 0, -0, 1e308 or invalid. A module
 * that cannot be analysed gets a warning and a skip; the rest is analysed; nothing prints a
 * non-finite or contradictory number.
 */

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

/** Why an analysed module's numbers are not finite, or nothing. */
function nonFinite(m: JsonModule): string | undefined {
  if (m.status !== 'ok') return undefined;
  if (!finite(m.frobenius) || !finite(m.effectiveRank) || !finite(m.r95))
    return `module ${m.name} is "ok" with ‖ΔW‖F ${m.frobenius}, effective rank ${m.effectiveRank}, r95 ${m.r95}`;
  if ((m.singularValues ?? []).some((s) => !finite(s))) return `module ${m.name} is "ok" with a non-finite singular value`;
  return undefined;
}

/**
 * The oracle of a poisoned adapter (layer 0 poisoned unless `all`): every analysed module has
 * finite numbers, the healthy module is analysed, and something says what was skipped.
 */
function poisonCheck(all: boolean, mustWarn = true) {
  return ({ run }: CheckContext): string | undefined => {
    if (run.status !== 0) return undefined;
    const report = parseJson<JsonReport>(run);
    if (typeof report === 'string') return report;
    for (const m of report.modules) {
      const why = nonFinite(m);
      if (why) return why;
    }
    if (!all && report.modules.find((m) => m.name.includes('layers.1.'))?.status !== 'ok') return 'the healthy module was not analysed';
    const warned = report.warnings.length > 0 || report.modules.some((m) => m.status !== 'ok' || (m.warnings ?? []).length > 0);
    return warned || !mustWarn ? undefined : 'no module was skipped and nothing was warned';
  };
}

/**
 * An adapter with layer 0's A (and its B too when `both`) passed through `poison`; inspect --json.
 * `mustWarn`: the values leave ΔW unrepresentable, so something must be skipped or warned.
 */
function poisoned(name: string, poison: (values: Float64Array) => void, options: { dtype?: FixtureTensor['dtype']; both?: boolean; mustWarn?: boolean } = {}): FuzzCase {
  const { dtype = 'F64', both = false, mustWarn = true } = options;
  return {
    category: 'numerics',
    name,
    async prepare(dir) {
      const tensors = loraTensors({ dtype }).map((t, i) => {
        if (i !== 0 && !(both && i === 1)) return t;
        const values = Float64Array.from(t.values);
        poison(values);
        return { ...t, values };
      });
      await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: LORA_CONFIG });
      return { args: ['inspect', dir, '--json'], json: true, expect: 'either', check: poisonCheck(false, mustWarn) };
    },
  };
}

/** A config (raw JSON text) that makes every module's scale invalid or extreme. */
function badScale(name: string, config: string): FuzzCase {
  return {
    category: 'numerics',
    name,
    async prepare(dir) {
      await writeAdapter(dir, { config });
      return { args: ['inspect', dir, '--json'], json: true, expect: 'either', check: poisonCheck(true) };
    },
  };
}

/**
 * Factors ×`scale` against their unscaled twin: the same effective rank and r95, and a finite
 * ‖ΔW‖F `scale²` times the twin's (the σ² sums leave float64's range; every σ does not).
 */
function scaledTwin(scale: number): FuzzCase {
  return {
    category: 'numerics',
    name: `F64 factors ×${scale.toExponential()} against their unscaled twin`,
    async prepare(dir) {
      const twin = join(dir, 'twin');
      await writeAdapter(dir, { factorScale: scale, layers: 1, m: 16, n: 12, r: 4 });
      await mkdir(twin);
      await writeAdapter(twin, { layers: 1, m: 16, n: 12, r: 4 });
      const check = async ({ run, cli }: CheckContext) => {
        const scaled = parseJson<JsonReport>(run);
        const plain = parseJson<JsonReport>(await cli(['inspect', twin, '--json']));
        if (typeof scaled === 'string') return scaled;
        if (typeof plain === 'string') return `the twin: ${plain}`;
        const [s, p] = [scaled.modules[0], plain.modules[0]];
        if (!s || !p || s.status !== 'ok' || p.status !== 'ok') return `modules not analysed: ${s?.status} / ${p?.status}`;
        if (!finite(s.frobenius) || !finite(p.frobenius) || s.frobenius <= 0) return `‖ΔW‖F ${s.frobenius} beside the twin's ${p.frobenius}`;
        const ratio = s.frobenius / (p.frobenius * scale * scale);
        if (!(Math.abs(ratio - 1) < 1e-9)) return `‖ΔW‖F ${s.frobenius} is not ${scale * scale}× the twin's ${p.frobenius}`;
        if (s.r95 !== p.r95) return `r95 ${s.r95} beside the twin's ${p.r95}`;
        if (!finite(s.effectiveRank) || !finite(p.effectiveRank) || Math.abs(s.effectiveRank - p.effectiveRank) > 1e-9 * p.effectiveRank)
          return `effective rank ${s.effectiveRank} beside the twin's ${p.effectiveRank}`;
        return undefined;
      };
      const inv: Invocation = { args: ['inspect', dir, '--json'], json: true, expect: 'answer', check };
      return inv;
    },
  };
}

/** AdaLoRA's tensors (peft `AdaLoraModel`: lora_A [r, n], lora_E [r, 1], lora_B [m, r]) with `init_r` from the config. */
const adalora: FuzzCase = {
  category: 'numerics',
  name: 'AdaLoRA init_r: -1e-5',
  async prepare(dir) {
    const rng = new Rng(5);
    const tensors: FixtureTensor[] = [0, 1].flatMap((l) => [
      { name: `${PREFIX(l)}.lora_A.weight`, shape: [2, 6], values: rng.gaussians(12) },
      { name: `${PREFIX(l)}.lora_E.weight`, shape: [2, 1], values: rng.gaussians(2) },
      { name: `${PREFIX(l)}.lora_B.weight`, shape: [8, 2], values: rng.gaussians(16) },
    ]);
    await writeFixture(dir, 'adapter_model.safetensors', tensors, {
      config: { peft_type: 'ADALORA', init_r: -1e-5, target_r: 2, r: 2, lora_alpha: 4, target_modules: ['q_proj'] },
    });
    return { args: ['inspect', dir, '--json'], json: true, expect: 'either', check: poisonCheck(true) };
  },
};

/** mlx-lm's layout (`mlx_lm/tuner/lora.py`: lora_a [n, r], lora_b [r, m]; `lora_parameters.scale` in adapter_config.json). */
const mlxScale: FuzzCase = {
  category: 'numerics',
  name: 'mlx lora_parameters.scale 1e308',
  async prepare(dir) {
    const rng = new Rng(6);
    const tensors: FixtureTensor[] = [0, 1].flatMap((l) => [
      { name: `model.layers.${l}.self_attn.q_proj.lora_a`, shape: [6, 2], values: rng.gaussians(12).map((v) => v * 1e3), dtype: 'F32' as const },
      { name: `model.layers.${l}.self_attn.q_proj.lora_b`, shape: [2, 8], values: rng.gaussians(16).map((v) => v * 1e3), dtype: 'F32' as const },
    ]);
    await writeFixture(dir, 'adapters.safetensors', tensors, {
      config: { fine_tune_type: 'lora', num_layers: 2, lora_parameters: { rank: 2, alpha: 16, dropout: 0, scale: 1e308 } },
    });
    return { args: ['inspect', dir, '--json'], json: true, expect: 'either', check: poisonCheck(true) };
  },
};

const zeros: FuzzCase = {
  category: 'numerics',
  name: 'zero factors',
  async prepare(dir) {
    await writeAdapter(dir, { factorScale: 0 });
    return inspectAnswer(dir, (report) => {
      const bad = report.modules.find((m) => m.frobenius !== 0 && m.frobenius !== null);
      return bad ? `zero factors give ‖ΔW‖F ${bad.frobenius}` : undefined;
    });
  },
};

const config = (fields: string) => `{"peft_type": "LORA", "target_modules": ["q_proj"], ${fields}}`;

export const NUMERIC_CASES: readonly FuzzCase[] = [
  poisoned('a NaN in a factor', (v) => (v[3] = NaN)),
  poisoned('+Inf in a factor', (v) => (v[0] = Infinity)),
  poisoned('-Inf in an F32 factor', (v) => (v[1] = -Infinity), { dtype: 'F32' }),
  poisoned('NaN in a BF16 factor', (v) => (v[2] = NaN), { dtype: 'BF16' }),
  poisoned('F64 factors ×1e200 (ΔW overflows)', (v) => v.forEach((x, i) => (v[i] = x * 1e200)), { both: true }),
  poisoned('F64 factor A ×1e200 (ΔW representable)', (v) => v.forEach((x, i) => (v[i] = x * 1e200)), { mustWarn: false }),
  poisoned('F32 factors of 3e38 values (ΔW representable in float64)', (v) => v.fill(3e38), { dtype: 'F32', both: true, mustWarn: false }),
  scaledTwin(1e150),
  scaledTwin(1e-150),
  scaledTwin(1e100),
  scaledTwin(1e-90),
  zeros,
  badScale('r: 0', config('"r": 0, "lora_alpha": 4')),
  badScale('r: -0.0', config('"r": -0.0, "lora_alpha": 4')),
  badScale('lora_alpha: 1e308', config('"r": 2, "lora_alpha": 1e308')),
  badScale('lora_alpha: -1e308', config('"r": 2, "lora_alpha": -1e308')),
  badScale('rank_pattern {"q_proj": 0}', config('"r": 2, "lora_alpha": 4, "rank_pattern": {"q_proj": 0}')),
  badScale('use_rslora with r: 0', config('"r": 0, "lora_alpha": 4, "use_rslora": true')),
  badScale('use_rslora with r: -4', config('"r": -4, "lora_alpha": 4, "use_rslora": true')),
  badScale('r: 1e-320 (subnormal)', config('"r": 1e-320, "lora_alpha": 4')),
  adalora,
  mlxScale,
];
