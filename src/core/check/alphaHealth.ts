import { numberField } from '../adapter/config';
import type { Adapter } from '../adapter/model';
import type { Finding } from './finding';
import { countModules, HEALTH_CODES, nameList } from './healthCodes';
import type { HealthThresholds } from './thresholds';

/** A plain decimal number as kohya writes `ss_network_alpha` ("16", "8.0"); "Dynamic" and the rest are not compared. */
const DECIMAL = /^\d{1,10}(\.\d{1,10})?$/;

/**
 * Stored alpha tensors that disagree with the alpha the file declares: the config's lora_alpha
 * when a config is beside it, else kohya's `ss_network_alpha` metadata (sd-scripts train_network.py
 * writes it from --network_alpha). Loaders scale by the tensor, so the declared value misleads
 * whoever reads it (and a tool that trusts it).
 */
export function alphaFindings(adapter: Adapter, t: HealthThresholds): Finding[] {
  const fromConfig = adapter.config ? numberField(adapter.config.values, 'lora_alpha') : undefined;
  const metadata = adapter.header.metadata?.ss_network_alpha;
  const declared = fromConfig ?? (metadata !== undefined && DECIMAL.test(metadata) ? Number(metadata) : undefined);
  if (declared === undefined || adapter.format === 'peft') return [];
  const bad = adapter.modules.filter((m) => m.tensors.alpha !== undefined && m.alpha !== null && Math.abs(m.alpha - declared) > t.alphaTolerance * Math.max(1, Math.abs(declared)));
  if (bad.length === 0) return [];
  const distinct = [...new Set(bad.map((m) => m.alpha))];
  const stored = distinct.slice(0, 5).join(', ');
  // lora_alpha can follow the tensors only when every module that stores an alpha stores the same one.
  const all = new Set(adapter.modules.filter((m) => m.tensors.alpha !== undefined && m.alpha !== null).map((m) => m.alpha));
  const value = distinct.length === 1 && all.size === 1 ? distinct[0] : null;
  const fix = fromConfig !== undefined && typeof value === 'number' && Number.isFinite(value) ? { configKey: 'lora_alpha', value } : null;
  const source = fromConfig !== undefined ? "the config's lora_alpha" : 'the ss_network_alpha metadata';
  return [
    {
      code: HEALTH_CODES.alphaMismatch,
      severity: 'warning',
      message: `${source} says ${declared} but ${countModules(bad.length)} store${bad.length === 1 ? 's' : ''} alpha ${stored}; loaders scale by the stored tensor: ${nameList(bad.map((m) => m.name))}`,
      modules: bad.map((m) => m.name),
      ...(fromConfig !== undefined ? { configKey: 'lora_alpha' } : {}),
      ...(fix ? { fix } : {}),
    },
  ];
}
