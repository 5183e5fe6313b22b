/**
 * A seeded stream of standard normals (mulberry32 uniforms, Box–Muller). The base analysis'
 * randomized SVDs take their Gaussian starts from a function, which cannot cross a thread
 * boundary: a seed can, so a worker run and an in-thread run with the same seed draw the same
 * starts and give the same numbers. Not for anything where the quality of randomness matters
 * beyond a well-spread start.
 */
export function seededNormals(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    let u = 0;
    while (u === 0) u = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}
