/** The file operations a replacing write needs (vscode.workspace.fs has them for every scheme). */
export interface ReplacingFs<U> {
  writeFile(uri: U, bytes: Uint8Array): PromiseLike<void>;
  rename(source: U, target: U, options: { overwrite: boolean }): PromiseLike<void>;
  delete(uri: U): PromiseLike<void>;
}

/**
 * Writes `bytes` to `temp` (a new name in the target's folder) and renames it over `target`, so
 * the target is either the old file or the whole new one: a write that fails part way (disk
 * full, a lost remote) leaves no half-written export, and the temporary file is removed.
 */
export async function writeReplacing<U>(fs: ReplacingFs<U>, target: U, temp: U, bytes: Uint8Array): Promise<void> {
  try {
    await fs.writeFile(temp, bytes);
    await fs.rename(temp, target, { overwrite: true });
  } catch (error) {
    try {
      await fs.delete(temp);
    } catch {
      // Not created, or already gone: the write's own error is the one to report.
    }
    throw error;
  }
}

/** A temporary name beside `name`: hidden, unlikely to collide, and marked as partial. */
export function temporaryName(name: string, random: () => number = Math.random): string {
  return `.${name}.${Math.floor(random() * 2 ** 32).toString(36)}.partial`;
}
