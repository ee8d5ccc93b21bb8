#!/usr/bin/env node
/**
 * `popart <command>`: the detection command line. Events go to stdout as JSON lines, progress and logs to stderr.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ main(argv: string[]): Promise<number> }> }> = {
  detect: { summary: 'run vision (and audio) detection on a file or stream and print events', load: () => import('./detect-command.js') },
  audio: { summary: 'run the acoustic detectors on an audio/video file or stream and print events', load: () => import('./audio-command.js') },
  remoteid: { summary: 'decode Remote ID (ASTM F3411 / EN 4709-002) from a pcap/pcapng file or a live UDP feed', load: () => import('./remoteid-command.js') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'usage: popart <command> [options]   (popart <command> --help for its options)',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Events are printed as JSON lines on stdout; progress and logs go to stderr.',
  ].join('\n');
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`popart: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  return (await command.load()).main(rest);
}

run(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`popart: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
