/** `popart remoteid`: being built (issue #5). */
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('popart remoteid: not built yet\n');
  return 2;
}
