import { dequantizeAffine, quantizedShape } from '../adapter/mlxQuant';
import type { FactorRef } from '../adapter/model';
import type { TensorSource } from '../container/source';
import type { TensorInfo } from '../safetensors/types';

/** A factor whose values are not a plain run of stored elements, decoded as a whole. */
export function isDerived(ref: FactorRef): boolean {
  return Boolean(ref.window || ref.scaleRows || ref.quantized || ref.block?.interleaved);
}

/** Why a derived factor cannot be read; factors.ts turns it into its module data error. */
export class DerivedFactorError extends Error {}

function tensorOf(file: TensorSource, name: string): TensorInfo {
  const info = file.header.byName.get(name);
  if (!info) throw new DerivedFactorError(`${name} is not in the file`);
  return info;
}

const cols = (info: TensorInfo): number => info.shape.slice(1).reduce((a, b) => a * b, 1);

/** The stored matrix (row-major) before any window, with block, interleaving and dequantization applied. */
async function storedMatrix(file: TensorSource, ref: FactorRef): Promise<{ data: Float64Array; rows: number; cols: number }> {
  const info = tensorOf(file, ref.tensor);
  if (ref.quantized) {
    if (ref.block) throw new DerivedFactorError(`${ref.tensor}: quantized stacked factors are not read`);
    const scales = tensorOf(file, ref.quantized.scales);
    const biases = tensorOf(file, ref.quantized.biases);
    const shape = quantizedShape(info, scales, biases, ref.quantized);
    if (typeof shape === 'string') throw new DerivedFactorError(shape);
    const data = dequantizeAffine(
      await file.readBytes(info),
      await file.readFloat64(scales),
      await file.readFloat64(biases),
      shape.rows,
      shape.cols,
      ref.quantized.bits,
      ref.quantized.groupSize,
    );
    return { data, ...shape };
  }
  const rows = info.shape[0] ?? 1;
  const width = cols(info);
  if (!ref.block) return { data: await file.readFloat64(info), rows, cols: width };
  const { index, count } = ref.block;
  if (ref.block.interleaved) {
    if (count <= 0 || width % count !== 0 || index < 0 || index >= count) throw new DerivedFactorError(`columns ${index} mod ${count} do not divide ${ref.tensor} [${info.shape}]`);
    const all = await file.readFloat64(info);
    const per = width / count;
    const data = new Float64Array(rows * per);
    for (let i = 0; i < rows; i++) for (let k = 0; k < per; k++) data[i * per + k] = all[i * width + k * count + index];
    return { data, rows, cols: per };
  }
  if (count <= 0 || rows % count !== 0 || index < 0 || index >= count) throw new DerivedFactorError(`block ${index} of ${count} does not divide ${ref.tensor} [${info.shape}]`);
  const size = info.elements / count;
  const per = rows / count;
  const data = await file.readFloat64(info, { start: index * size, count: size });
  return per === 1 && info.shape.length >= 3 ? { data, rows: info.shape[1], cols: size / info.shape[1] } : { data, rows: per, cols: width };
}

/**
 * A derived factor as a stored-orientation rows×cols matrix, float64 row-major: block or
 * interleaved columns, dequantized, cut to its window, its canonical rows scaled (the stored
 * columns when the reference is transposed).
 */
export async function readDerived(file: TensorSource, ref: FactorRef): Promise<{ data: Float64Array; rows: number; cols: number }> {
  let m = await storedMatrix(file, ref);
  if (ref.window) {
    const { rows, cols: width } = ref.window;
    if (rows > m.rows || width > m.cols || rows <= 0 || width <= 0)
      throw new DerivedFactorError(`${ref.tensor}: a ${rows}×${width} window does not fit its ${m.rows}×${m.cols} values`);
    const data = new Float64Array(rows * width);
    for (let i = 0; i < rows; i++) data.set(m.data.subarray(i * m.cols, i * m.cols + width), i * width);
    m = { data, rows, cols: width };
  }
  if (ref.scaleRows) {
    const s = await file.readFloat64(tensorOf(file, ref.scaleRows));
    const along = ref.transposed ? m.cols : m.rows;
    if (s.length !== along) throw new DerivedFactorError(`${ref.scaleRows} has ${s.length} values for the ${along} rows of ${ref.tensor}`);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) m.data[i * m.cols + j] *= ref.transposed ? s[j] : s[i];
  }
  return m;
}
