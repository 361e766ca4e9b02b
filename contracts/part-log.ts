/**
 * The line every program of the platform writes (origin, simulator, sync,
 * the local platform's stand-ins): prefixed with its part and aligned, so
 * one terminal can show all of them and still tell who said what.
 */
const WIDTH = 8;

export function partLog(part: string): (line: string) => void {
  const prefix = `[${part}]`.padEnd(WIDTH + 2);
  return (line) => process.stdout.write(`${prefix} ${line}\n`);
}
