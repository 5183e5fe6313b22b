import { familyOf } from '../adapter/architecture';
import type { Family } from '../adapter/architecture';
import type { Adapter } from '../adapter/model';
import { MAX_PARSED_LENGTH } from '../adapter/metadata';
import { fingerprintNamed, matchFingerprint } from './fingerprintMatch';
import type { Finding, Identity } from './finding';

export const METADATA_CONTRADICTS_TENSORS = 'METADATA_CONTRADICTS_TENSORS';

/** Below this confidence the inferred architecture is too weak to contradict anything. */
const MIN_CONFIDENCE = 0.5;

/** The diffusion family an identified architecture belongs to (the table's names). */
export function familyOfArchitecture(name: string): Family | null {
  if (name === 'FLUX.1') return 'FLUX.1';
  if (name.startsWith('SD3')) return 'SD3';
  if (name === 'SDXL' || name === 'SD 2.x' || name === 'SD 1.x') return name;
  return null;
}

/** kohya/ai-toolkit metadata keys that name the base family (sd-scripts library/sai_model_spec.py, train_network.py). */
export const FAMILY_KEYS = ['ss_base_model_version', 'modelspec.architecture'] as const;

/**
 * Metadata or config that names a base model the tensors contradict: a diffusion family in
 * `ss_base_model_version` / `modelspec.architecture` other than the one the shapes show, or a
 * `base_model_name_or_path` naming a model in the fingerprint table whose sizes the modules do not have.
 */
export function metadataContradictions(adapter: Adapter, identity: Identity): Finding[] {
  const findings: Finding[] = [];
  const arch = identity.architecture;
  const inferred = arch && arch.confidence >= MIN_CONFIDENCE ? familyOfArchitecture(arch.name) : null;
  for (const key of FAMILY_KEYS) {
    const value = adapter.header.metadata?.[key];
    if (typeof value !== 'string' || value.length > MAX_PARSED_LENGTH || arch === null || inferred === null) continue;
    const claimed = familyOf(value);
    if (claimed === null || claimed === inferred) continue;
    findings.push({
      code: METADATA_CONTRADICTS_TENSORS,
      severity: 'warning',
      message: `__metadata__ ${key} = "${value.slice(0, 80)}" names ${claimed}, but the module names and shapes are ${arch.name}'s (${arch.evidence.slice(0, 2).join('; ')})`,
      modules: [],
    });
  }
  const stated = adapter.config?.values.base_model_name_or_path;
  if (typeof stated === 'string' && stated.length <= 1000) {
    const fp = fingerprintNamed(stated);
    const match = fp ? matchFingerprint(fp, adapter.modules) : null;
    if (fp && match && match.covered > 0 && match.excluded !== null) {
      findings.push({
        code: METADATA_CONTRADICTS_TENSORS,
        severity: 'warning',
        message: `adapter_config.json base_model_name_or_path = "${stated}" names ${fp.name}, but ${match.excluded}`,
        modules: [],
        configKey: 'base_model_name_or_path',
      });
    }
  }
  return findings;
}
