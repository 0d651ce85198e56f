// npm run synth: `eks-warden synth` (packages/cli/src/commands/synth.ts) without going through the CLI's dispatch.
//   node --import tsx scripts/synth.ts --out cdk.out [--stage NAME]
import { command } from "../packages/cli/src/commands/synth.ts";

process.exit(await command.run(process.argv.slice(2)));
