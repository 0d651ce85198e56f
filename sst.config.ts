// SST v2 app: `npx sst deploy --stage NAME` deploys it; `npm run synth` writes its CloudFormation offline.
// The default region comes from warden.config.json (see warden.config.example.json); `--region` overrides it.
import type { SSTConfig } from "sst";
import { deploymentConfigOrExit } from "./stacks/config-report.ts";
import { Warden } from "./stacks/Warden.ts";

export const APP_NAME = "eks-warden";

export default {
  config() {
    // SST runs this from the repository root (where this file is). A bad configuration file ends the command here,
    // every problem on a line, exit 2, before SST builds anything.
    return { name: APP_NAME, region: deploymentConfigOrExit(process.cwd()).region };
  },
  stacks(app) {
    app.stack(Warden);
  },
} satisfies SSTConfig;
