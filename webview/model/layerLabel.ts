/** `layer 3` from a module name's last integer, else the name: keeps hover text on layer × layer maps short. */
export function layerLabel(name: string): string {
  const match = /(\d+)(?!.*\d)/.exec(name);
  return match ? `layer ${match[1]}` : name;
}
