/** `popart audio`: being built (issue #5). */
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('popart audio: not built yet\n');
  return 2;
}
