import type { Locator } from 'playwright-core';

export interface LabelCheck {
  readonly texts: string[];
  /** Pairs of labels whose boxes overlap, by text. */
  readonly overlaps: string[];
  /** Labels under 10 px or without a box (hidden, zero size). */
  readonly unreadable: string[];
}

/** Reads the boxes and font sizes of the labels `locator` matches, to assert they neither overlap nor shrink. */
export async function checkLabels(locator: Locator): Promise<LabelCheck> {
  return locator.evaluateAll((nodes) => {
    const boxes = nodes.map((n) => ({ text: n.textContent ?? '', box: n.getBoundingClientRect(), size: parseFloat(getComputedStyle(n).fontSize) }));
    const overlaps: string[] = [];
    const unreadable: string[] = [];
    for (let i = 0; i < boxes.length; i++) {
      const a = boxes[i];
      if (!(a.size >= 10) || a.box.width === 0 || a.box.height === 0) unreadable.push(`${a.text} (${a.size}px)`);
      for (let j = i + 1; j < boxes.length; j++) {
        const b = boxes[j].box;
        // Half a pixel of slack: adjacent labels may share an edge after rounding.
        const apart = a.box.right <= b.left + 0.5 || b.right <= a.box.left + 0.5 || a.box.bottom <= b.top + 0.5 || b.bottom <= a.box.top + 0.5;
        if (!apart) overlaps.push(`${a.text} / ${boxes[j].text}`);
      }
    }
    return { texts: boxes.map((b) => b.text), overlaps, unreadable };
  });
}
