import type { Adapter } from '../adapter/model';
import { MAX_PARSED_LENGTH } from '../adapter/metadata';
import type { Identity } from './finding';

/** A metadata value, when present and of a size worth reading. */
export function meta(adapter: Adapter, key: string): string | null {
  const value = adapter.header.metadata?.[key];
  return typeof value === 'string' && value.length <= MAX_PARSED_LENGTH ? value : null;
}

/**
 * musubi-tuner's `ss_base_model_version` values (src/musubi_tuner/dataset/architectures.py, the
 * `ARCHITECTURE_*_FULL` names its trainers return from `architecture_full_name`, written by
 * training/trainer_base.py under SS_METADATA_KEY_BASE_MODEL_VERSION), each with the table
 * entry it names, where the table has one. kohya sd-scripts writes none of these
 * (its values are sd_v1, sdxl_base_v1-0, flux1, sd3, …).
 */
const MUSUBI_ARCHITECTURES: ReadonlyMap<string, string | null> = new Map([
  ['hunyuan_video', 'HunyuanVideo'],
  ['wan', 'Wan'],
  ['framepack', 'FramePack'],
  ['flux_kontext', 'FLUX.1'],
  ['qwen_image', 'Qwen-Image'],
  ['qwen_image_edit', 'Qwen-Image'],
  ['qwen_image_layered', 'Qwen-Image'],
  ['flux_2_dev', null],
  ['flux_2_klein_4b', null],
  ['flux_2_klein_9b', null],
  ['kandinsky5', null],
  ['hunyuan_video_1_5', null],
  ['z_image', null],
  ['hidream_o1_image', null],
  ['ideogram4', null],
  ['krea2', null],
]);

/** musubi-tuner's own network modules, by the name `--network_module` gives them (musubi-tuner's Wan guide: networks.lora_wan). */
const MUSUBI_MODULE = /^(musubi_tuner\.networks\.\w{1,40}|networks\.(lora_wan|lora_framepack|lora_hv_1_5|lora_kandinsky))$/;

/**
 * The table entry a musubi-tuner file's `ss_base_model_version` names: an entry whose name is
 * the value or starts with it and a space (`Wan` names `Wan 2.x 14B`, `Wan 2.1 1.3B`, …).
 */
export function musubiArchitecture(adapter: Adapter): { value: string; names: (fingerprint: string) => boolean } | null {
  const value = meta(adapter, 'ss_base_model_version');
  const named = value === null ? undefined : MUSUBI_ARCHITECTURES.get(value);
  if (value === null || named === undefined || named === null) return null;
  return { value, names: (fingerprint) => fingerprint === named || fingerprint.startsWith(`${named} `) };
}

/** The trainer that wrote the file, from the metadata each one writes; null when none says. */
export function writerFromMetadata(adapter: Adapter): Identity['writer'] {
  // ai-toolkit records `software: {"name": "ai-toolkit", …}` (ostris/ai-toolkit toolkit/metadata.py
  // get_meta_for_safetensors); it also writes ss_* keys, so it is checked before kohya.
  const software = meta(adapter, 'software');
  if (software !== null && /"name"\s*:\s*"ai-toolkit"/.test(software)) {
    return { name: 'ai-toolkit', evidence: `__metadata__ software = ${software.slice(0, 120)}` };
  }
  // OneTrainer writes ot_branch and ot_revision (and ot_config when asked) beside the ModelSpec
  // keys, and ss_base_model_version "sdxl_" / ss_v2 for SDXL / SD 2 files (Nerogar/OneTrainer
  // modules/modelSaver/mixin/DtypeModelSaverMixin.py, _create_safetensors_header), so it too
  // is checked before kohya.
  const otKey = ['ot_revision', 'ot_branch', 'ot_config'].find((k) => adapter.header.metadata?.[k] !== undefined);
  if (otKey !== undefined) {
    const revision = meta(adapter, 'ot_revision');
    return { name: 'OneTrainer', evidence: `__metadata__ ${otKey}${otKey === 'ot_revision' && revision !== null ? ` = ${revision.slice(0, 40)}` : ''} (OneTrainer's own key)` };
  }
  // SimpleTuner adds ModelSpec keys with modelspec.implementation "diffusers" and a global_step
  // key to the LoRA diffusers saved (bghira/SimpleTuner simpletuner/helpers/training/save_hooks.py,
  // _build_modelspec_metadata); it writes ss_tag_frequency too, so it is checked before kohya.
  const step = meta(adapter, 'global_step');
  if (step !== null && meta(adapter, 'modelspec.sai_model_spec') !== null && meta(adapter, 'modelspec.implementation') === 'diffusers') {
    const arch = meta(adapter, 'modelspec.architecture');
    return {
      name: 'SimpleTuner',
      evidence: `__metadata__ global_step = ${step.slice(0, 20)} beside modelspec.implementation = diffusers${arch !== null ? `, modelspec.architecture = ${arch.slice(0, 60)}` : ''}`,
    };
  }
  // musubi-tuner writes kohya's ss_* keys with its own architecture names in ss_base_model_version,
  // and its network modules for Wan, FramePack, HunyuanVideo 1.5 and Kandinsky 5 have no
  // sd-scripts namesake (src/musubi_tuner/networks/lora_wan.py, lora_framepack.py, …).
  const musubi = meta(adapter, 'ss_base_model_version');
  const network = meta(adapter, 'ss_network_module');
  if (musubi !== null && MUSUBI_ARCHITECTURES.has(musubi)) {
    return {
      name: 'musubi-tuner',
      evidence: `__metadata__ ss_base_model_version = ${musubi} (a musubi-tuner architecture)${network !== null ? `, ss_network_module = ${network.slice(0, 60)}` : ''}`,
    };
  }
  if (network !== null && MUSUBI_MODULE.test(network))
    return { name: 'musubi-tuner', evidence: `__metadata__ ss_network_module = ${network.slice(0, 80)} (a musubi-tuner network module)` };
  // kohya sd-scripts train_network.py writes ss_network_module; LyCORIS runs as its network
  // module (`lycoris.kohya`) and keeps the ss_* keys.
  if (network !== null && network.startsWith('lycoris')) {
    return { name: 'LyCORIS', evidence: `__metadata__ ss_network_module = ${network.slice(0, 80)} (trained with kohya sd-scripts)` };
  }
  if (network !== null) return { name: 'kohya sd-scripts', evidence: `__metadata__ ss_network_module = ${network.slice(0, 80)}` };
  const ssKey = Object.keys(adapter.header.metadata ?? {}).find((k) => k.startsWith('ss_'));
  if (ssKey !== undefined) return { name: 'kohya sd-scripts', evidence: `__metadata__ has kohya ss_* keys (${ssKey})` };
  return null;
}
