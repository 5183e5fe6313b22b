/**
 * Bounds on what a pickle may make the reader hold. A PEFT or diffusers state dict needs a few
 * thousand memo entries, stack items and marks nested four deep; these leave two orders of
 * magnitude of room and stop bombs long before memory does.
 */
export const PICKLE_LIMITS = {
  /** Bytes of one pickle stream (data.pkl, or the legacy file's pickles together). */
  maxPickleBytes: 256 * 1024 * 1024,
  memoEntries: 1 << 20,
  stackItems: 1 << 20,
  /** MARKs open at once: how deeply MARK-built containers nest. */
  markDepth: 512,
  /** Characters of one string or bytes object. */
  stringBytes: 16 * 1024 * 1024,
  /** Bytes of a LONG4 integer. */
  longBytes: 1024,
  /** Items in one list, dict, set or tuple. */
  containerItems: 1 << 22,
  /** How deeply containers nest when the result is walked for tensors. */
  walkDepth: 64,
  /** Containers visited when the result is walked. */
  walkNodes: 1 << 22,
  /** Tensors in one checkpoint. */
  tensors: 1 << 20,
} as const;
