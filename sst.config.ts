// SST v2 app: `npx sst deploy --stage NAME` deploys it; `npm run synth` writes its CloudFormation offline.
// The default region comes from warden.config.json (see warden.config.example.json); `--region` overrides it.
import type { SSTConfig } from "sst";
import { deploymentConfigOrExit } from "./stacks/config-report.ts";
import { deployCommandOf, deployTargetOrExit } from "./stacks/deploy-check.ts";
import { Warden } from "./stacks/Warden.ts";

export const APP_NAME = "eks-warden";

export default {
  async config(globals) {
    // SST runs this from the repository root (where this file is). A bad configuration file ends the command here,
    // every problem on a line, exit 2, before SST builds anything.
    const config = deploymentConfigOrExit(process.cwd());
    // deploy and remove: whose credentials, which account, before SST builds or touches anything.
    const command = deployCommandOf(process.argv);
    if (command) {
      if (globals.profile) process.env["AWS_PROFILE"] = globals.profile;
      const reporter = { write: (text: string) => void process.stderr.write(text), exit: (code: number): never => process.exit(code) };
      await deployTargetOrExit(config, { command, region: globals.region ?? config.region }, reporter);
    }
    return { name: APP_NAME, region: config.region };
  },
  stacks(app) {
    app.stack(Warden);
  },
} satisfies SSTConfig;
