/**
 * popart-node exercise: runs a training scenario into the agencies' nodes, reports on it, removes it afterwards.
 */
import { parseArgs } from 'node:util';
import { gatherReport, removeExercise, reportText, runExercise, type NodeClient } from '../modules/exercise/exercise-runner.js';
import { exerciseIdFor, listScenarios, loadScenario } from '../modules/exercise/scenario.js';
import { demoAgencies } from '../demo/demo-agencies.js';

const HELP = `Usage:
  popart-node exercise list                          the scenarios that ship (node/scenarios)
  popart-node exercise run <scenario> [--speed N] [--id ID]
                                                     replay a scenario (a shipped name or a JSON file) into the
                                                     nodes, every object marked as exercise ID (default: the
                                                     scenario's name and the start time); prints each step
  popart-node exercise report <ID> [--as KEY=USER]…  who received, acknowledged and acted on each alert, and when
                                                     (each node's audit log and responses; a supervisor or auditor)
  popart-node exercise remove <ID> [--as KEY=USER]…  remove the exercise from each node's read model (a supervisor);
                                                     real data is untouched, the ledger keeps it marked

Options:
  --node KEY=URL      a node's GraphQL URL (default: the demo, pn=http://127.0.0.1:4001/graphql … crm=…:4004)
  --password P        the users' password (default: POPART_EXERCISE_PASSWORD, else "demo")
  --speed N           scenario seconds per real second (default 1; 10 runs ten times faster); a sensor step's
                      recording too: an event t s into it is published t/N s after the step starts
  --as KEY=USER       who reports or removes on that agency's node (default: each demo agency's supervisor,
                      pn-auditor for the report on pn)

A scenario's sensor steps replay a recording (Remote ID capture, audio, video) through the detection pipeline, as
the agency's sensor; files are relative to the scenario and must lie in its folder or in the detection package
(docs/exercises.md).

The policies show exercise objects only to who asks for the exercise: GraphQL threats(filter: { exercise: ID }),
threat(id, exercise), subscription alerts(exercise: ID), respondToAlert(…, exercise: ID), the CAP feed ?exercise=ID.
`;

function pairs(list: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new Error(`--${what}: "${item}" is not KEY=VALUE`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

export async function exerciseCli(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h', default: false }, speed: { type: 'string' }, id: { type: 'string' },
      node: { type: 'string', multiple: true }, as: { type: 'string', multiple: true }, password: { type: 'string' },
    },
  });
  const [command, arg] = positionals;
  if (values.help || !command) return out(HELP);
  const demoNodes = Object.fromEntries(demoAgencies.map((a) => [a.key, `http://127.0.0.1:${a.port}/graphql`]));
  const password = values.password ?? process.env.POPART_EXERCISE_PASSWORD ?? 'demo';
  const client: NodeClient = { nodes: { ...demoNodes, ...pairs(values.node, 'node') }, password: () => password };
  if (command === 'list') {
    for (const name of await listScenarios()) out(`${name}: ${(await loadScenario(name)).title}\n`);
    return;
  }
  if (!arg) throw new Error(`exercise ${command} needs ${command === 'run' ? 'a scenario' : 'an exercise id'} (see --help)`);
  if (command === 'run') {
    const scenario = await loadScenario(arg);
    const speed = values.speed === undefined ? 1 : Number(values.speed);
    await runExercise({ ...client, scenario, speed, exercise: values.id ?? exerciseIdFor(scenario), log: (line) => out(`${line}\n`) });
    return;
  }
  const supervisors = Object.fromEntries(demoAgencies.flatMap((a) => a.users.filter((u) => u.role === 'supervisor').map((u) => [a.key, u.username])));
  if (command === 'report') {
    const reporters = values.as ? pairs(values.as, 'as') : { ...supervisors, pn: 'pn-auditor' };
    out(reportText(arg, await gatherReport(client, arg, reporters)));
    return;
  }
  if (command === 'remove') {
    const removers = values.as ? pairs(values.as, 'as') : supervisors;
    for (const [agency, user] of Object.entries(removers)) {
      const r = await removeExercise(client, agency, user, arg);
      out(`${agency}: removed ${r} object(s) of ${arg} from the read model\n`);
    }
    return;
  }
  throw new Error(`unknown exercise command "${command}" (see popart-node exercise --help)`);
}
