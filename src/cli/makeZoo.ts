import { makeZoo } from '../core/predict/zoo/makeZoo';
import type { MakeZooArgs } from './predictArgs';
import { clean } from './table';

/**
 * `lora-lens make-zoo DIR`: trains the teacher–student LoRA zoo (core/predict/zoo) into DIR.
 * One progress line per adapter on stderr unless --quiet; the summary is returned for stdout.
 */
export async function makeZooCommand(args: MakeZooArgs): Promise<string> {
  const started = performance.now();
  const rows = await makeZoo(args.dir, {
    ...(args.count === undefined ? {} : { count: args.count }),
    ...(args.seed === undefined ? {} : { seed: args.seed }),
    ...(args.checkpoints === undefined ? {} : { checkpoints: args.checkpoints }),
    setting: args.setting,
    force: args.force,
    onAdapter: (done, total, row) => {
      if (!args.quiet)
        process.stderr.write(
          `made ${done}/${total} ${row.item.folder} (r=${row.item.rank}, loss ${row.initialLoss.toPrecision(3)} → ${row.finalLoss.toPrecision(3)}, alignment ${row.alignmentU.toFixed(3)}, recovery error ${row.recoveryError.toFixed(3)}${row.restarts > 0 ? `; diverged, retrained at learning rate ${row.learningRate.toPrecision(3)}` : ''})\n`,
        );
    },
  });
  const seconds = (performance.now() - started) / 1000;
  return `made ${rows.length} adapters in ${clean(args.dir)} in ${seconds.toFixed(1)} s (setting ${args.setting}; labels.csv, zoo.json, base.safetensors)\n`;
}
