import { build } from "esbuild";
import { writeFileSync } from "node:fs";
writeFileSync("/tmp/perf-shim.mjs", `import { fromEnv } from "@aws-sdk/credential-provider-env"; export const defaultProvider = (init = {}) => fromEnv(init);`);
const handler = process.argv[2];
const alias = process.argv[3] ? { "@aws-sdk/credential-provider-node": "/work/wt-perf/packages/functions/src/lib/_shim.ts" } : {};
if (process.argv[3]) writeFileSync("packages/functions/src/lib/_shim.ts", `import { fromEnv } from "@aws-sdk/credential-provider-env"; export const defaultProvider = (init: any = {}) => fromEnv(init);`);
const r = await build({ entryPoints: [`packages/functions/src/${handler}.ts`], outfile: `/tmp/perf-${handler}.mjs`, bundle: true, platform: "node", format: "esm", target: "node22", mainFields: ["module","main"], minify: true, keepNames: true, metafile: true, logLevel: "warning", alias });
const out = Object.values(r.metafile.outputs)[0];
const by = {};
for (const [file, { bytesInOutput }] of Object.entries(out.inputs)) {
  const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/); const key = m ? m[1] : file.split("/").slice(0,4).join("/");
  by[key] = (by[key] ?? 0) + bytesInOutput;
}
console.log(handler, out.bytes);
for (const [k, v] of Object.entries(by).sort((a,b)=>b[1]-a[1]).slice(0, 25)) console.log(String(v).padStart(8), k);
if (process.argv[4]) for (const [file, { bytesInOutput }] of Object.entries(out.inputs).filter(([f]) => f.includes(process.argv[4])).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput).slice(0,25)) console.log(String(bytesInOutput).padStart(8), file);
const who = {};
for (const [file, info] of Object.entries(r.metafile.inputs)) for (const imp of info.imports) if (imp.path.includes(process.argv[5] ?? "zzz")) (who[imp.path] ??= []).push(file + (imp.kind === "dynamic-import" ? " (dyn)" : ""));
for (const [k, v] of Object.entries(who).slice(0, 10)) console.log(k, "<-", v.slice(0, 5));
