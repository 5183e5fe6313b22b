/** The most storage bytes read at once to gather a strided view's elements. */
const WINDOW_BYTES = 64 * 1024 * 1024;

/** A strided view of a storage laid out in the file: element e of the storage is at `base + e·itemBytes`. */
export interface StridedView {
  readonly base: number;
  readonly itemBytes: number;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** Reads `length` bytes at an absolute `position` into `target`. */
export type ReadInto = (target: Uint8Array, position: number) => Promise<void>;

/** Whether the view's elements lie in row-major order with no gaps (torch's is_contiguous, ignoring size-1 axes). */
export function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 0) return true;
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/**
 * Copies elements [start, start + count) of the view, in row-major order, into `out`
 * (count × itemBytes bytes): storage windows of at most WINDOW_BYTES are read and each element
 * copied from its strided place, so a transposed or shared-storage view reads right in bounded
 * memory. The odometer walks the view's coordinates without recursion.
 */
export async function gather(view: StridedView, start: number, count: number, out: Uint8Array, read: ReadInto): Promise<void> {
  const { itemBytes, shape, stride } = view;
  const coords = new Array<number>(shape.length).fill(0);
  let index = view.offset;
  for (let d = shape.length - 1, rest = start; d >= 0; d--) {
    coords[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
    index += coords[d] * stride[d];
  }
  const maxItems = Math.max(1, Math.floor(WINDOW_BYTES / itemBytes));
  const indices = new Float64Array(Math.min(count, maxItems));
  let window = new Uint8Array(0);
  for (let done = 0; done < count;) {
    let k = 0;
    let lo = index;
    let hi = index;
    while (done + k < count && k < indices.length) {
      const nlo = Math.min(lo, index);
      const nhi = Math.max(hi, index);
      if (k > 0 && (nhi - nlo + 1) * itemBytes > WINDOW_BYTES) break;
      lo = nlo;
      hi = nhi;
      indices[k++] = index;
      for (let d = shape.length - 1; d >= 0; d--) {
        coords[d]++;
        index += stride[d];
        if (coords[d] < shape[d]) break;
        index -= stride[d] * shape[d];
        coords[d] = 0;
      }
    }
    const span = (hi - lo + 1) * itemBytes;
    if (window.length < span) window = new Uint8Array(span);
    await read(window.subarray(0, span), view.base + lo * itemBytes);
    for (let i = 0; i < k; i++) {
      const from = (indices[i] - lo) * itemBytes;
      out.set(window.subarray(from, from + itemBytes), (done + i) * itemBytes);
    }
    done += k;
  }
}
