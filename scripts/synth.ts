// npm run synth: the CloudFormation templates, offline and without AWS credentials (see packages/cli/src/commands/synth.ts).
//   node --import tsx scripts/synth.ts --out cdk.out [--stage NAME]
import { parseArgs } from "node:util";
import { synth } from "../packages/cli/src/commands/synth.ts";

const { values } = parseArgs({ options: { out: { type: "string", default: "cdk.out" }, stage: { type: "string" } } });
const outcome = await synth({ outDir: values.out!, ...(values.stage !== undefined && { stage: values.stage }) });
for (const template of outcome.templates) console.log(`wrote ${template}`);
for (const finding of outcome.nagFindings) console.error(`cdk-nag ${finding.level}: ${finding.path}: ${finding.message}`);
console.log(`synthesised in ${(outcome.elapsedMs / 1000).toFixed(1)} s; cdk-nag AwsSolutions: ${outcome.nagFindings.length} unsuppressed finding(s)`);
process.exit(outcome.nagFindings.length > 0 ? 1 : 0);
