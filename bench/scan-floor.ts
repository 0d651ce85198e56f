// The floor of `eks-warden scan`'s CPU: the same EKS calls a scan makes on the bench's fleet, with the raw SDK client
// (the scan's retry settings, concurrency 4), and nothing else: no normalising, no rules, no output. Spawned by
// bench/scan.ts as the scan is, so the CPU it reports (process.resourceUsage at exit) is this process's alone.
// `node --import tsx bench/scan-floor.ts URL endpoint|every`
import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeInsightCommand,
  DescribeNodegroupCommand,
  EKSClient,
  ListAccessEntriesCommand,
  ListAddonsCommand,
  ListClustersCommand,
  ListIdentityProviderConfigsCommand,
  ListInsightsCommand,
  ListNodegroupsCommand,
} from "@aws-sdk/client-eks";
import { CLIENT_CONFIG } from "../packages/core/src/aws/client-config.ts";
import { inPool } from "@eks-warden/core/sweep";

const [endpoint, mode] = process.argv.slice(2);
if (!endpoint || (mode !== "endpoint" && mode !== "every")) throw new Error("usage: scan-floor.ts URL endpoint|every");
// The scan's own client settings (core/aws/eks.ts): the retry policy, the middleware stack resolved once per command.
const client = new EKSClient({ ...CLIENT_CONFIG, cacheMiddleware: true, region: process.env["AWS_REGION"] ?? "eu-west-1", endpoint });

const names: string[] = [];
let nextToken: string | undefined;
do {
  const page = await client.send(new ListClustersCommand(nextToken ? { nextToken } : {}));
  names.push(...(page.clusters ?? []));
  nextToken = page.nextToken;
} while (nextToken);

await inPool(names, 4, async (clusterName) => {
  await client.send(new DescribeClusterCommand({ name: clusterName }));
  if (mode === "endpoint") return;
  await Promise.all([
    (async () => {
      const { nodegroups = [] } = await client.send(new ListNodegroupsCommand({ clusterName }));
      await Promise.all(nodegroups.map((nodegroupName) => client.send(new DescribeNodegroupCommand({ clusterName, nodegroupName }))));
    })(),
    (async () => {
      const { addons = [] } = await client.send(new ListAddonsCommand({ clusterName }));
      await Promise.all(addons.map((addonName) => client.send(new DescribeAddonCommand({ clusterName, addonName }))));
    })(),
    (async () => {
      const { insights = [] } = await client.send(new ListInsightsCommand({ clusterName, filter: { categories: ["UPGRADE_READINESS"] } }));
      const failing = insights.filter((insight) => insight.insightStatus?.status === "ERROR" || insight.insightStatus?.status === "WARNING");
      await Promise.all(failing.map((insight) => client.send(new DescribeInsightCommand({ clusterName, id: insight.id! }))));
    })(),
    // The access rules' reads: the bench's clusters have no access entries and no identity providers, so one
    // listing each (the scan lists them too: test/bench.test.ts holds the floor to the scan's calls per cluster).
    client.send(new ListAccessEntriesCommand({ clusterName })),
    client.send(new ListIdentityProviderConfigsCommand({ clusterName })),
  ]);
});
client.destroy();
process.stdout.write(`${JSON.stringify({ clusters: names.length })}\n`);
