import type { SafetensorsHeader, TensorInfo } from '../safetensors/types';
import type { PlacedTensor } from './source';
import type { NamedTensor } from './stateDict';

/**
 * Presents a checkpoint's tensors as a header: each in its storage's dtype, spanning the storage
 * bytes its view touches. `baseOf` gives a storage record's absolute position in the file (the
 * view is known, from the unpickler, to lie inside its storage, and the storage inside its record).
 */
export function placeTensors(
  tensors: readonly NamedTensor[],
  baseOf: (key: string) => number,
  file: string,
  fileSize: number,
  pickleBytes: number,
): { header: SafetensorsHeader; placed: PlacedTensor[] } {
  const placed: PlacedTensor[] = [];
  for (const { name, tensor } of tensors) {
    const { storage, shape, stride, offset } = tensor;
    const base = baseOf(storage.key) + storage.elementOffset * storage.itemBytes;
    let elements = 1;
    let last = offset;
    for (let d = 0; d < shape.length; d++) {
      elements *= shape[d];
      last += Math.max(0, shape[d] - 1) * stride[d];
    }
    const start = base + offset * storage.itemBytes;
    const end = elements === 0 ? start : base + (last + 1) * storage.itemBytes;
    const info: TensorInfo = { name, dtype: storage.dtype, shape: [...shape], elements, start, end };
    placed.push({ info, view: { base, itemBytes: storage.itemBytes, offset, shape, stride } });
  }
  const infos = placed.map((p) => p.info);
  const header: SafetensorsHeader = {
    file,
    fileSize,
    headerLength: pickleBytes,
    dataStart: 0,
    metadata: null,
    tensors: infos,
    byName: new Map(infos.map((t) => [t.name, t])),
  };
  return { header, placed };
}
