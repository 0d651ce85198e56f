#!/usr/bin/env node
// The installed `eks-warden` command: the CLI is TypeScript run through tsx, so register its loader first.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
